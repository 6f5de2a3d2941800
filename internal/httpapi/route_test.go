package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/openapitest"
)

// TestRoutesAreTheDocumented: the server serves exactly the operations of
// api/openapi.yaml, so walking its routes walks the contract.
func TestRoutesAreTheDocumented(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var documented []string
	for path, item := range openapitest.New(t).Doc().Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	served := httpapi.Routes(e.server)
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(served, documented) {
		t.Errorf("routes served:\n  %s\nroutes documented:\n  %s", strings.Join(served, "\n  "), strings.Join(documented, "\n  "))
	}
}

// TestEveryRouteWrongMethod sends every route every method it does not
// serve: 405 with Allow naming the route's methods, INVALID_REQUEST in the
// CORE wrapper (invalid_request in the OAuth shape on the token route),
// before authentication. Each route's own method is not answered 405.
func TestEveryRouteWrongMethod(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	allowed := map[string][]string{} // path → methods
	var paths []string
	for _, rt := range httpapi.Routes(e.server) {
		method, path, _ := strings.Cut(rt, " ")
		if allowed[path] == nil {
			paths = append(paths, path)
		}
		allowed[path] = append(allowed[path], method)
	}
	// Values for the {name} segments: the caller's number, an unknown
	// message, a key never used.
	fill := strings.NewReplacer("{numberId}", numberID, "{messageId}", "msg_01jd8x5v7k2m3n4p5q6r7s8t9w", "{key}", "k1")
	for _, pattern := range paths {
		path := fill.Replace(pattern)
		allow := allowed[pattern]
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			t.Run(method+" "+path, func(t *testing.T) {
				r := e.do(t, nil, request{method: method, path: path})
				if slices.Contains(allow, method) {
					if r.status == http.StatusMethodNotAllowed {
						t.Errorf("answered 405 to a method the route serves: %s", r.body)
					}
					return
				}
				msg := "method " + method + " is not allowed; use " + strings.Join(allow, " or ")
				if pattern == redcloud.PathToken {
					wantOAuth(t, r, http.StatusMethodNotAllowed, redcloud.OAuthInvalidRequest, msg)
				} else {
					wantCore(t, r, http.StatusMethodNotAllowed, redcloud.CodeInvalidRequest, msg, nil)
				}
				if got, want := r.header.Get("Allow"), strings.Join(allow, ", "); got != want {
					t.Errorf("Allow = %q, want %q", got, want)
				}
			})
		}
	}
}

// TestMessagesSendIsNotAMessageID: GET /api/core/messages/send is the send
// route under a wrong method, not a lookup of message "send".
func TestMessagesSendIsNotAMessageID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(t, nil, request{method: http.MethodGet, path: redcloud.PathMessagesSend, token: e.sandboxToken(t)})
	wantCore(t, r, http.StatusMethodNotAllowed, redcloud.CodeInvalidRequest, "method GET is not allowed; use POST", nil)
	if got := r.header.Get("Allow"); got != http.MethodPost {
		t.Errorf("Allow = %q, want POST", got)
	}
}
