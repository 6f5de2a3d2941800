package httpapi

import (
	"context"
	"errors"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// reqInfo travels in the request context so that the outer log line learns
// what inner layers found out (route, API client).
type reqInfo struct {
	id          string
	route       string
	apiClientID string
}

type ctxKey struct{}

func info(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(ctxKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// statusWriter records the status for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware wraps every request: request id, log line, panic recovery,
// draining, then sandbox faults.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{id: requestID()}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri))
		w.Header().Set(redcloud.HeaderRequestID, ri.id)
		// Every body is JSON or YAML: no browser may sniff it into HTML.
		w.Header().Set("X-Content-Type-Options", "nosniff")
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // sentinel panic value
					s.logRequest(r, ri, 0, start)
					panic(v)
				}
				s.log.Error("panic", "requestId", ri.id, "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.internalError(sw, r)
				}
			}
			s.logRequest(r, ri, sw.status, start)
		}()
		if s.draining.Load() {
			sw.Header().Set("Retry-After", "1")
			s.routeError(sw, r, http.StatusServiceUnavailable, redcloud.OAuthTemporarilyUnavailable, redcloud.CodeServerError,
				"server is shutting down; retry", nil)
			return
		}
		if s.cfg.LoopbackHostsOnly && !platform.LoopbackHost(r.Host) {
			// DNS rebinding: a web page whose name resolves to 127.0.0.1 could
			// otherwise drive the sandbox with its published credentials.
			s.routeError(sw, r, http.StatusMisdirectedRequest, redcloud.OAuthInvalidRequest, redcloud.CodeInvalidRequest,
				"this server answers only requests addressed to a loopback host (Host: localhost or a loopback address)", nil)
			return
		}
		if s.cfg.Sandbox && r.Header.Get(redcloud.HeaderSandboxFault) != "" {
			s.sandboxFault(sw, r, next)
			return
		}
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) logRequest(r *http.Request, ri *reqInfo, status int, start time.Time) {
	route := ri.route
	if route == "" {
		route = "unrouted"
	}
	s.cfg.Metrics.Request(route, status)
	s.log.Info("request", "requestId", ri.id, "method", r.Method, "route", route, "status", status,
		"latencyMs", float64(time.Since(start).Microseconds())/1000, "apiClientId", ri.apiClientID)
}

// internalError answers 500 in the right shape and never echoes the cause.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request) {
	s.routeError(w, r, http.StatusInternalServerError, redcloud.OAuthServerError, redcloud.CodeServerError, "internal server error", nil)
}

// fail logs an unexpected error with the request id and answers 500. When
// a COMMIT failed, the work may have committed: the answer then carries no
// X-RedCloud-Outcome, so clients treat the outcome as unknown and reconcile.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		s.log.Warn("request canceled", "requestId", info(r).id, "err", err)
	} else {
		s.log.Error("request failed", "requestId", info(r).id, "err", err)
	}
	if errors.Is(err, store.ErrOutcomeUnknown) {
		s.outcomeUnknown(w, r, "internal server error; the outcome is unknown")
		return
	}
	s.internalError(w, r)
}
