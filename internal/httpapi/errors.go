package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

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
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"SERVER_ERROR","message":"internal server error","details":{}}}`)
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}
