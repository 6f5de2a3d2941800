package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/redcloud-core/redcloud"
)

// maxBody is the request body limit (CONTRACT wire rules).
const maxBody = 64 << 10

// storable reports whether s can be looked up in the database: PostgreSQL
// text holds neither U+0000 nor invalid UTF-8, and a query with either fails
// (a 500) where the caller deserves "no such thing". Path values and form
// fields are checked with it; JSON bodies are checked when decoded.
func storable(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// readJSON reads a JSON request body: 415 for another content type, 413
// over 64 KiB. allowEmpty accepts an empty body without a content type.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, allowEmpty bool) ([]byte, bool) {
	ct := r.Header.Get("Content-Type")
	if ct == "" && allowEmpty && r.ContentLength <= 0 {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err == nil && len(b) == 0 {
			return nil, true
		}
	}
	// The exact common value needs no parsing (which allocates a map).
	if ct != "application/json" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			s.coreError(w, r, http.StatusUnsupportedMediaType, redcloud.CodeInvalidRequest,
				"Content-Type must be application/json", map[string]any{"field": "Content-Type"})
			return nil, false
		}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.coreError(w, r, http.StatusRequestEntityTooLarge, redcloud.CodeInvalidRequest, "request body exceeds 64 KiB", nil)
			return nil, false
		}
		s.coreError(w, r, http.StatusBadRequest, redcloud.CodeInvalidRequest, "could not read request body", nil)
		return nil, false
	}
	return b, true
}
