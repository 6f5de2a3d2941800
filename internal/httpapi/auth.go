package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// MsgInvalidToken is the documented 401 message.
const MsgInvalidToken = "Invalid or missing bearer token"

// client returns the authenticated API client of the request.
func client(r *http.Request) platform.APIClient {
	if e := info(r).auth; e != nil {
		return e.client
	}
	return platform.APIClient{}
}

// auth wraps a CORE handler: bearer token → 401, capability → 403, then the
// per-client rate limit → 429.
func (s *Server) auth(capability string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			s.unauthorized(w, r, MsgInvalidToken)
			return
		}
		hash, now := platform.HashSecret(token), s.now()
		e := s.tokens.get(hash, now)
		if e == nil && s.tokens.unknown(hash, now) {
			s.unauthorized(w, r, MsgInvalidToken)
			return
		}
		if e == nil {
			c, expires, err := s.db.LookupToken(r.Context(), hash, now)
			if errors.Is(err, platform.ErrNotFound) {
				s.tokens.putUnknown(hash, now)
				s.unauthorized(w, r, MsgInvalidToken)
				return
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			e = s.tokens.entry(hash, c, expires, now)
		}
		c := &e.client
		ri := info(r)
		ri.apiClientID = c.ID
		switch {
		case c.Status != redcloud.StatusActive:
			s.unauthorized(w, r, "API client is not active")
			return
		case c.AccountStatus != redcloud.StatusActive:
			s.unauthorized(w, r, "account is not active")
			return
		case capability != "" && !c.Has(capability):
			s.coreError(w, r, http.StatusForbidden, redcloud.CodeForbidden,
				"API client lacks the "+capability+" capability", map[string]any{"capability": capability})
			return
		}
		if wait, ok := s.limits.allow(c.ID); !ok {
			w.Header().Set("Retry-After", wait)
			s.coreError(w, r, http.StatusTooManyRequests, redcloud.CodeRateLimited, "rate limit exceeded; retry after "+wait+"s", nil)
			return
		}
		// In the request's reqInfo rather than a context of its own: no
		// second copy of the request and its context.
		ri.auth = e
		next(w, r)
	}
}

func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="redcloud"`)
	s.coreError(w, r, http.StatusUnauthorized, redcloud.CodeUnauthorized, msg, nil)
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if !strings.HasPrefix(token, platform.PrefixToken) || len(token) > 128 {
		return "", false
	}
	return token, true
}
