// Package openapitest checks HTTP responses against the OpenAPI document in package api, for tests
// only.
//
// Wrap a test client's transport so that every response the server gives is checked:
//
//	v := openapitest.New(t)
//	client := &http.Client{Transport: v.Transport(http.DefaultTransport)}
//
// Each response is checked against the operation the request matches: the status must be declared,
// declared headers must be present (when required) and match their schemas, and a JSON body must
// match its schema. Requests are not validated (tests send bad requests on purpose), and security
// is not enforced. A mismatch is reported with t.Errorf; the response is returned unchanged, its
// body still readable.
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/api"
)

// Validator checks HTTP responses against api.Spec and reports mismatches to the test it was made
// for. It is safe for concurrent use.
type Validator struct {
	t    testing.TB
	spec *spec
}

// spec is the loaded document, shared by every Validator of the test binary.
type spec struct {
	doc    *openapi3.T
	router routers.Router
	// unrouted is the operation that answers requests matching no route of the document: the
	// server's own 404 (unknown route) and 405 (known path, wrong method) in the CORE wrapper.
	unrouted *routers.Route
}

var (
	loadOnce sync.Once
	loaded   *spec
	errLoad  error
)

// New returns a Validator that reports to t. The document is loaded and validated once per test
// binary; if it does not load or does not validate, New fails the test.
func New(t testing.TB) *Validator {
	t.Helper()
	loadOnce.Do(func() { loaded, errLoad = load(api.Spec) })
	if errLoad != nil {
		t.Fatalf("openapitest: %v", errLoad)
	}
	return &Validator{t: t, spec: loaded}
}

// Doc returns the loaded document. It is shared by every Validator: do not modify it.
func (v *Validator) Doc() *openapi3.T { return v.spec.doc }

func load(data []byte) (*spec, error) {
	ctx := context.Background()
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load api/openapi.yaml: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("validate api/openapi.yaml: %w", err)
	}
	// Match on the path alone: tests run servers on random ports, whatever servers the document
	// names.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route api/openapi.yaml: %w", err)
	}
	var statuses []openapi3.NewResponsesOption
	for status, name := range map[int]string{
		http.StatusNotFound:         "NotFound",
		http.StatusMethodNotAllowed: "MethodNotAllowed",
	} {
		ref := doc.Components.Responses[name]
		if ref == nil {
			return nil, fmt.Errorf("api/openapi.yaml: components.responses.%s is missing", name)
		}
		statuses = append(statuses, openapi3.WithStatus(status, ref))
	}
	unrouted := &routers.Route{
		Spec:      doc,
		Path:      "(no route)",
		Operation: &openapi3.Operation{Responses: openapi3.NewResponses(statuses...)},
	}
	return &spec{doc: doc, router: router, unrouted: unrouted}, nil
}

// Transport returns an http.RoundTripper that sends each request with base (http.DefaultTransport
// when nil), then checks the response with Check. The response body is read in full and restored,
// so the caller can still read it. Transport errors are returned unchanged and not checked.
func (v *Validator) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{v: v, base: base}
}

type transport struct {
	v    *Validator
	base http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tr.base.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		// Give the caller what arrived, then the same error; there is no whole body to check.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		tr.v.t.Logf("openapitest: %s %s → %d: body not checked: %v", req.Method, req.URL.Path, resp.StatusCode, err)
		return resp, nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	tr.v.Check(tr.v.t, req, resp, body)
	return resp, nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// Check checks resp, whose body is body, against the operation of api.Spec that req matches, and
// reports any mismatch with t.Errorf naming the method, path, status and the validation error. It
// does not read resp.Body.
//
// A request that matches no route is reported, unless the server answered it as the contract says
// for an unknown route or a wrong method: a 404 in the CORE error wrapper, or a 405 as the path's
// operations declare it (the CORE wrapper; the OAuth shape on the token route). The bodies of
// /metrics and /openapi.yaml are not checked (not JSON); their status and headers are.
func (v *Validator) Check(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	if err := v.check(req, resp, body); err != nil {
		t.Errorf("openapitest: %s %s → %d: %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
}

func (v *Validator) check(req *http.Request, resp *http.Response, body []byte) (err error) {
	defer func() {
		// kin-openapi must not take the test binary down with it.
		if r := recover(); r != nil {
			err = fmt.Errorf("kin-openapi panicked: %v", r)
		}
	}()

	route, pathParams, rerr := v.spec.router.FindRoute(routingRequest(req))
	if rerr != nil {
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			return fmt.Errorf("no route of api/openapi.yaml matches the request: %w", rerr)
		}
		route, pathParams = v.spec.unrouted, nil
		if resp.StatusCode == http.StatusMethodNotAllowed {
			// A known path under a wrong method answers as that path's
			// operations declare (the token route: in the OAuth shape).
			if r, p, ok := v.otherMethod(req); ok {
				route, pathParams = r, p
			}
		}
	}

	options := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	switch route.Path {
	case redcloud.PathMetrics, redcloud.PathOpenAPI:
		options.ExcludeResponseBody = true
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: pathParams,
			Route:      route,
			Options:    options,
		},
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Options: options,
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(req.Context(), input); err != nil {
		if rerr != nil {
			return fmt.Errorf("no route of api/openapi.yaml matches the request (%v), and the response is not the contract's %d for that: %w", rerr, resp.StatusCode, err)
		}
		return err
	}
	return nil
}

// otherMethod finds an operation of the document on req's path under another
// method, whose declared responses (405 among them) then apply to req.
func (v *Validator) otherMethod(req *http.Request) (*routers.Route, map[string]string, bool) {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == req.Method {
			continue
		}
		probe := routingRequest(req).WithContext(req.Context())
		probe.Method = m
		if route, params, err := v.spec.router.FindRoute(probe); err == nil {
			return route, params, true
		}
	}
	return nil, nil, false
}

// CheckWebhook checks body, the JSON body of a webhook request, against the request body schema of
// the named webhook of api.Spec ("messageLifecycle" or "messageInbound"), and reports a mismatch
// with t.Errorf.
func (v *Validator) CheckWebhook(t testing.TB, webhook string, body []byte) {
	t.Helper()
	if err := v.checkWebhook(webhook, body); err != nil {
		t.Errorf("openapitest: webhook %s: %v", webhook, err)
	}
}

func (v *Validator) checkWebhook(webhook string, body []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("kin-openapi panicked: %v", r)
		}
	}()
	item := v.spec.doc.Webhooks[webhook]
	if item == nil || item.Post == nil || item.Post.RequestBody == nil || item.Post.RequestBody.Value == nil {
		return fmt.Errorf("api/openapi.yaml has no webhook %q with a request body", webhook)
	}
	media := item.Post.RequestBody.Value.Content.Get("application/json")
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		return fmt.Errorf("api/openapi.yaml: webhook %q has no application/json schema", webhook)
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	if err := media.Schema.Value.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("body doesn't match schema %s: %w", media.Schema.Ref, err)
	}
	return nil
}

// routingRequest returns the request to find the route with: req with its URL path in escaped form,
// so that a path parameter holding an escaped "/" (an idempotency key) still matches one path
// segment, and a HEAD request as the GET that net/http serves it with (kin-openapi checks nothing
// more of a HEAD response).
func routingRequest(req *http.Request) *http.Request {
	escaped := req.URL.EscapedPath()
	if escaped == req.URL.Path && req.Method != http.MethodHead {
		return req
	}
	u := *req.URL
	u.Path, u.RawPath = escaped, ""
	r := req.WithContext(req.Context()) // a shallow copy
	r.URL = &u
	if r.Method == http.MethodHead {
		r.Method = http.MethodGet
	}
	return r
}
