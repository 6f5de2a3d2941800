package httpapi

import (
	"net/http"
	"path"
	"strings"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/api"
)

// route is one method of one path of the API.
type route struct {
	method  string
	path    string // a redcloud.Path… constant
	handler http.HandlerFunc
}

// routeTable lists the routes s serves, in the order their methods are
// listed in an Allow header.
func (s *Server) routeTable() []route {
	rs := []route{
		{http.MethodGet, redcloud.PathHealthz, s.healthz},
		{http.MethodGet, redcloud.PathReadyz, s.readyz},
		{http.MethodGet, redcloud.PathOpenAPI, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/yaml")
			w.Write(api.Spec)
		}},
	}
	if !s.cfg.MetricsElsewhere {
		rs = append(rs, route{http.MethodGet, redcloud.PathMetrics, s.cfg.Metrics.Handler().ServeHTTP})
	}
	if s.cfg.OperationalOnly {
		return rs
	}
	rs = append(rs,
		route{http.MethodPost, redcloud.PathToken, s.token},
		route{http.MethodGet, redcloud.PathWhoAmI, s.auth("", s.whoami)},
		route{http.MethodGet, redcloud.PathNumbers, s.auth(redcloud.CapNumbersRead, s.listNumbers)},
		route{http.MethodPost, redcloud.PathNumbersSearch, s.auth(redcloud.CapNumbersSearch, s.searchNumbers)},
		route{http.MethodPatch, redcloud.PathNumber, s.auth(redcloud.CapNumbersUpdate, s.updateNumber)},
		route{http.MethodPost, redcloud.PathMessagesSend, s.auth(redcloud.CapMessagesSend, s.send)},
		route{http.MethodGet, redcloud.PathIdempotencyKey, s.auth(redcloud.CapMessagesSend, s.idempotencyKey)},
		route{http.MethodGet, redcloud.PathMessage, s.auth(redcloud.CapMessagesSend, s.message)},
		route{http.MethodGet, redcloud.PathMessages, s.auth(redcloud.CapMessagesSend, s.listMessages)},
		route{http.MethodGet, redcloud.PathOptOuts, s.auth(redcloud.CapMessagesSend, s.listOptOuts)},
		route{http.MethodPost, redcloud.PathOptOuts, s.auth(redcloud.CapMessagesSend, s.addOptOut)},
		route{http.MethodDelete, redcloud.PathOptOut, s.auth(redcloud.CapMessagesSend, s.removeOptOut)},
	)
	if s.cfg.Sandbox {
		rs = append(rs,
			route{http.MethodPut, redcloud.PathSandboxWebhooks, s.auth("", s.sandboxWebhooks)},
			route{http.MethodPost, redcloud.PathSandboxInbound, s.auth("", s.sandboxInbound)},
		)
	}
	return rs
}

// routes registers each path once, for every method, and picks the
// handler by method itself: a path pattern with a method would let
// "GET /api/core/messages/{messageId}" catch GET /api/core/messages/send,
// which must answer 405 like any known path under a wrong method.
func (s *Server) routes() http.Handler {
	byPath := map[string][]route{}
	var paths []string
	for _, rt := range s.routeTable() {
		if byPath[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		byPath[rt.path] = append(byPath[rt.path], rt)
	}
	mux := http.NewServeMux()
	for _, p := range paths {
		mux.Handle(p, s.byMethod(byPath[p]))
	}
	s.unrouted = &routeInfo{name: "unrouted", requests: s.cfg.Metrics.Route("unrouted")}
	return s.middleware(withUnrouted(s, mux))
}

// byMethod serves the routes of one path: each under its method (HEAD as
// GET, as net/http does), 405 with Allow under any other.
func (s *Server) byMethod(rs []route) http.HandlerFunc {
	allow := make([]string, len(rs))
	infos := make([]*routeInfo, len(rs))
	for i, rt := range rs {
		allow[i] = rt.method
		name := rt.method + " " + rt.path
		infos[i] = &routeInfo{name: name, requests: s.cfg.Metrics.Route(name)}
	}
	allowHeader := strings.Join(allow, ", ")
	notAllowed := " is not allowed; use " + strings.Join(allow, " or ")
	return func(w http.ResponseWriter, r *http.Request) {
		for i, rt := range rs {
			if r.Method == rt.method || r.Method == http.MethodHead && rt.method == http.MethodGet {
				info(r).route = infos[i]
				rt.handler(w, r)
				return
			}
		}
		w.Header().Set("Allow", allowHeader)
		s.routeError(w, r, http.StatusMethodNotAllowed, redcloud.OAuthInvalidRequest, redcloud.CodeInvalidRequest,
			"method "+r.Method+notAllowed, nil)
	}
}

// withUnrouted serves mux, answering 404 in the contract's shape for what it
// has no route for.
func withUnrouted(s *Server, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ServeMux would redirect an unclean path (//, /./, /../) with an
		// HTML body; the API answers 404 in its own shape instead.
		if p := r.URL.Path; p != "" && path.Clean(p) == p {
			if _, pattern := mux.Handler(r); pattern != "" {
				mux.ServeHTTP(w, r)
				return
			}
		}
		s.coreError(w, r, http.StatusNotFound, redcloud.CodeNotFound, "no route for "+r.Method+" "+r.URL.Path, nil)
	})
}
