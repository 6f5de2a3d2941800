package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/metrics"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Headers every response carries, by their canonical keys. Set by
// assigning to the map, a constant value shares one slice across requests
// instead of allocating one each time: nothing edits a header value in
// place, and Header.Add appends to a full slice, which copies it.
var (
	headerRequestID = http.CanonicalHeaderKey(redcloud.HeaderRequestID)
	headerNosniff   = http.CanonicalHeaderKey("X-Content-Type-Options")
	headerCType     = http.CanonicalHeaderKey("Content-Type")
	headerReplayed  = http.CanonicalHeaderKey(redcloud.HeaderReplayed)
	valueNosniff    = []string{"nosniff"}
	valueJSON       = []string{"application/json"}
	valueTrue       = []string{"true"}
)

// reqInfo travels in the request context so that the outer log line learns
// what inner layers found out (route, API client), and the handler finds
// its authenticated client.
type reqInfo struct {
	id          string
	route       *routeInfo // nil until routed
	apiClientID string
	auth        *cachedToken // set by auth once the client may proceed
}

// routeInfo names a route for the log and counts its requests; one per
// route, made when the routes are, so a request formats no label.
type routeInfo struct {
	name     string // "METHOD path", or "unrouted"
	requests *metrics.RouteRequests
}

// reqState is a request's reqInfo, statusWriter and request id header
// value in one allocation.
type reqState struct {
	info reqInfo
	sw   statusWriter
	id   [1]string
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
		id := requestID()
		st := &reqState{info: reqInfo{id: id}, sw: statusWriter{ResponseWriter: w}, id: [1]string{id}}
		ri, sw := &st.info, &st.sw
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri))
		h := w.Header()
		h[headerRequestID] = st.id[:]
		// Every body is JSON or YAML: no browser may sniff it into HTML.
		h[headerNosniff] = valueNosniff
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
	if route == nil {
		route = s.unrouted
	}
	route.requests.Inc(status)
	// LogAttrs: the attributes are not boxed into interfaces, as Info's
	// key-value pairs are.
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "request", slog.String("requestId", ri.id),
		slog.String("method", r.Method), slog.String("route", route.name), slog.Int("status", status),
		slog.Float64("latencyMs", float64(time.Since(start).Microseconds())/1000), slog.String("apiClientId", ri.apiClientID))
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
