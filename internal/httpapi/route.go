package httpapi

import (
	"net/http"
	"path"
	"strings"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/api"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			info(r).route = pattern
			h(w, r)
		})
	}
	handle("GET /healthz", s.healthz)
	handle("GET /readyz", s.readyz)
	handle("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(api.Spec)
	})
	metricsHandler := s.cfg.Metrics.Handler()
	handle("GET /metrics", metricsHandler.ServeHTTP)
	if s.cfg.OperationalOnly {
		return s.middleware(withUnrouted(s, mux))
	}
	handle("POST /api/auth/token", s.token)
	handle("GET /api/core/whoami", s.auth("", s.whoami))
	handle("GET /api/core/numbers", s.auth(redcloud.CapNumbersRead, s.listNumbers))
	handle("POST /api/core/numbers/search", s.auth(redcloud.CapNumbersSearch, s.searchNumbers))
	handle("PATCH /api/core/numbers/{numberId}", s.auth(redcloud.CapNumbersUpdate, s.updateNumber))
	handle("POST /api/core/messages/send", s.auth(redcloud.CapMessagesSend, s.send))
	handle("GET /api/core/idempotency-keys/{key}", s.auth(redcloud.CapMessagesSend, s.idempotencyKey))
	handle("GET /api/core/messages/{messageId}", s.auth(redcloud.CapMessagesSend, s.message))
	if s.cfg.Sandbox {
		handle("PUT /api/sandbox/webhooks", s.auth("", s.sandboxWebhooks))
		handle("POST /api/sandbox/inbound", s.auth("", s.sandboxInbound))
	}
	return s.middleware(withUnrouted(s, mux))
}

// withUnrouted serves mux, answering what it has no route for in the
// contract's shape.
func withUnrouted(s *Server, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ServeMux would redirect an unclean path (//, /./, /../) with an
		// HTML body; the API answers 404 in its own shape instead.
		if p := r.URL.Path; p == "" || path.Clean(p) != p {
			s.coreError(w, r, http.StatusNotFound, redcloud.CodeNotFound, "no route for "+r.Method+" "+p, nil)
			return
		}
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		s.unrouted(w, r, mux)
	})
}

// unrouted answers what the mux has no handler for: 405 with Allow when the
// path exists under another method, 404 otherwise — in the CORE shape (the
// OAuth shape on the token route).
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request, mux *http.ServeMux) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := mux.Handler(probe); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		s.coreError(w, r, http.StatusNotFound, redcloud.CodeNotFound, "no route for "+r.Method+" "+r.URL.Path, nil)
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	msg := "method " + r.Method + " is not allowed; use " + strings.Join(allow, " or ")
	if r.URL.Path == "/api/auth/token" {
		s.oauthError(w, r, http.StatusMethodNotAllowed, redcloud.OAuthInvalidRequest, msg)
		return
	}
	s.coreError(w, r, http.StatusMethodNotAllowed, redcloud.CodeInvalidRequest, msg, nil)
}
