package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// statusOf maps a CORE error code to its HTTP status (CONTRACT §2).
func statusOf(code string) int {
	switch code {
	case redcloud.CodeUnauthorized:
		return http.StatusUnauthorized
	case redcloud.CodeForbidden:
		return http.StatusForbidden
	case redcloud.CodeNotFound:
		return http.StatusNotFound
	case redcloud.CodeConflict:
		return http.StatusConflict
	case redcloud.CodeRateLimited:
		return http.StatusTooManyRequests
	case redcloud.CodeServerError:
		return http.StatusInternalServerError
	case redcloud.CodeUpstreamError:
		return http.StatusBadGateway
	}
	return http.StatusBadRequest
}

// coreError writes the CORE error wrapper with X-RedCloud-Outcome:
// not_processed — every caller guarantees nothing was committed.
func (s *Server) coreError(w http.ResponseWriter, r *http.Request, status int, code, message string, details map[string]any) {
	w.Header().Set(redcloud.HeaderOutcome, redcloud.OutcomeNotProcessed)
	writeCoreError(w, r, status, code, message, details)
}

func writeCoreError(w http.ResponseWriter, r *http.Request, status int, code, message string, details map[string]any) {
	if details == nil {
		details = map[string]any{}
	}
	writeJSON(w, status, redcloud.ErrorBody{
		Error:     redcloud.ErrorDetail{Code: code, Message: message, Details: details},
		RequestID: info(r).id,
	})
}

// domainError writes a platform error with the status its code maps to.
func (s *Server) domainError(w http.ResponseWriter, r *http.Request, e *platform.Error) {
	s.coreError(w, r, statusOf(e.Code), e.Code, e.Message, e.Details)
}

// oauthShaped reports whether r's errors take the OAuth shape: on the token
// route every error, whoever produces it (the handler, a wrong method, a
// sandbox fault, draining, a panic), is {"error","error_description"} and
// never the CORE wrapper. The one place that decides it.
func oauthShaped(r *http.Request) bool { return r.URL.Path == redcloud.PathToken }

// routeError writes an error in r's shape (oauthShaped): the OAuth code and
// message on the token route, the CORE code, message and details elsewhere.
func (s *Server) routeError(w http.ResponseWriter, r *http.Request, status int, oauthCode, coreCode, message string, details map[string]any) {
	if oauthShaped(r) {
		s.oauthError(w, r, status, oauthCode, message)
		return
	}
	s.coreError(w, r, status, coreCode, message, details)
}

// outcomeUnknown answers 500 in r's shape without X-RedCloud-Outcome, for
// when the work may have committed: clients then treat the outcome as
// unknown and reconcile. coreMessage is the CORE message; the OAuth one is
// always generic.
func (s *Server) outcomeUnknown(w http.ResponseWriter, r *http.Request, coreMessage string) {
	if oauthShaped(r) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		writeJSON(w, http.StatusInternalServerError, redcloud.OAuthErrorBody{Error: redcloud.OAuthServerError, ErrorDescription: "internal server error"})
		return
	}
	writeCoreError(w, r, http.StatusInternalServerError, redcloud.CodeServerError, coreMessage, nil)
}

// oauthError writes the OAuth error shape of the token route.
func (s *Server) oauthError(w http.ResponseWriter, r *http.Request, status int, code, description string) {
	w.Header().Set(redcloud.HeaderOutcome, redcloud.OutcomeNotProcessed)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, redcloud.OAuthErrorBody{Error: code, ErrorDescription: description})
}

// writeJSON encodes v without HTML escaping, as stored responses are, so a
// stored body shows the same bytes whichever route returns it.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	b, err := encodeJSON(buf, v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"SERVER_ERROR","message":"internal server error","details":{}}}`)
	}
	writeRaw(w, status, b)
	// Write has copied the bytes (net/http buffers them, bufferWriter
	// copies); a buffer grown by a rare big body is left to the collector.
	if buf.Cap() <= 64<<10 {
		jsonBuffers.Put(buf)
	}
}

// jsonBuffers are writeJSON's buffers, reused across requests.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodeJSON encodes v into buf (reset first) as writeJSON does and
// returns the bytes, which stay buf's.
func encodeJSON(buf *bytes.Buffer, v any) ([]byte, error) {
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header()[headerCType] = valueJSON
	w.WriteHeader(status)
	w.Write(body)
}
