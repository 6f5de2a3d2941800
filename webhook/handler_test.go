package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/webhook"
)

const handlerSecret = "whsec_handler_test"

var handlerNow = time.Unix(1795676665, 0)

// signedRequest builds a webhook request for body signed with secret at at.
func signedRequest(t *testing.T, secret string, at time.Time, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/webhooks/redcloud", bytes.NewReader(body))
	ts, sig := webhook.SignatureHeaders(secret, at, body)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", webhook.UserAgent)
	r.Header.Set(webhook.HeaderTimestamp, ts)
	r.Header.Set(webhook.HeaderSignature, sig)
	r.Header.Set(webhook.HeaderEventID, "evt_01jd0000000000000000000003")
	r.Header.Set(webhook.HeaderEventType, webhook.TypeDelivery)
	r.Header.Set(webhook.HeaderAttempt, "1")
	return r
}

// recorder counts calls of a handler function and keeps the events.
type recorder struct {
	mu     sync.Mutex
	events []webhook.Event
	err    error
}

func (rec *recorder) fn(ctx context.Context, ev webhook.Event) error {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.events = append(rec.events, ev)
	return rec.err
}

func (rec *recorder) received() []webhook.Event {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]webhook.Event(nil), rec.events...)
}

func TestHandler(t *testing.T) {
	body, err := json.Marshal(deliveryEvent())
	if err != nil {
		t.Fatal(err)
	}
	oversized := append(bytes.Repeat([]byte(" "), 4096), body...)

	tests := []struct {
		name       string
		request    func(t *testing.T) *http.Request
		secrets    []string
		opts       []webhook.HandlerOption
		fnErr      error
		wantStatus int
		wantBody   string // substring of the response body
		wantCalls  int
	}{
		{
			name:       "good delivery",
			request:    func(t *testing.T) *http.Request { return signedRequest(t, handlerSecret, handlerNow, body) },
			wantStatus: http.StatusNoContent,
			wantCalls:  1,
		},
		{
			name:       "good delivery, next secret during rotation",
			request:    func(t *testing.T) *http.Request { return signedRequest(t, "whsec_next", handlerNow, body) },
			secrets:    []string{handlerSecret, "whsec_next"},
			wantStatus: http.StatusNoContent,
			wantCalls:  1,
		},
		{
			name:       "bad signature",
			request:    func(t *testing.T) *http.Request { return signedRequest(t, "whsec_wrong", handlerNow, body) },
			wantStatus: http.StatusUnauthorized,
			wantBody:   "signature mismatch",
		},
		{
			name: "missing signature",
			request: func(t *testing.T) *http.Request {
				r := signedRequest(t, handlerSecret, handlerNow, body)
				r.Header.Del(webhook.HeaderSignature)
				return r
			},
			wantStatus: http.StatusUnauthorized,
			wantBody:   "missing signature",
		},
		{
			name: "bad timestamp",
			request: func(t *testing.T) *http.Request {
				r := signedRequest(t, handlerSecret, handlerNow, body)
				r.Header.Set(webhook.HeaderTimestamp, "2026-11-26T07:04:25Z")
				return r
			},
			wantStatus: http.StatusUnauthorized,
			wantBody:   "invalid timestamp",
		},
		{
			name: "replayed old request",
			request: func(t *testing.T) *http.Request {
				return signedRequest(t, handlerSecret, handlerNow.Add(-10*time.Minute), body)
			},
			wantStatus: http.StatusUnauthorized,
			wantBody:   "tolerance",
		},
		{
			name: "old request within a wider tolerance",
			request: func(t *testing.T) *http.Request {
				return signedRequest(t, handlerSecret, handlerNow.Add(-10*time.Minute), body)
			},
			opts:       []webhook.HandlerOption{webhook.WithTolerance(time.Hour)},
			wantStatus: http.StatusNoContent,
			wantCalls:  1,
		},
		{
			name: "tampered body",
			request: func(t *testing.T) *http.Request {
				r := signedRequest(t, handlerSecret, handlerNow, body)
				r.Body = io.NopCloser(strings.NewReader(strings.Replace(string(body), "DELIVERED", "FAILED", 1)))
				return r
			},
			wantStatus: http.StatusUnauthorized,
			wantBody:   "signature mismatch",
		},
		{
			name: "signed but not an event",
			request: func(t *testing.T) *http.Request {
				return signedRequest(t, handlerSecret, handlerNow, []byte(`{"hello":"world"}`))
			},
			wantStatus: http.StatusBadRequest,
			wantBody:   "invalid event",
		},
		{
			name:       "fn error",
			request:    func(t *testing.T) *http.Request { return signedRequest(t, handlerSecret, handlerNow, body) },
			fnErr:      errors.New("database is down: secret detail"),
			wantStatus: http.StatusInternalServerError,
			wantBody:   "event not processed",
			wantCalls:  1,
		},
		{
			name: "GET",
			request: func(t *testing.T) *http.Request {
				return httptest.NewRequest(http.MethodGet, "/webhooks/redcloud", nil)
			},
			wantStatus: http.StatusMethodNotAllowed,
			wantBody:   "POST",
		},
		{
			name:       "oversized, known length",
			request:    func(t *testing.T) *http.Request { return signedRequest(t, handlerSecret, handlerNow, oversized) },
			opts:       []webhook.HandlerOption{webhook.WithMaxBodyBytes(1024)},
			wantStatus: http.StatusRequestEntityTooLarge,
			wantBody:   "too large",
		},
		{
			name: "oversized, unknown length",
			request: func(t *testing.T) *http.Request {
				r := signedRequest(t, handlerSecret, handlerNow, oversized)
				r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(oversized)))
				r.ContentLength = -1
				return r
			},
			opts:       []webhook.HandlerOption{webhook.WithMaxBodyBytes(1024)},
			wantStatus: http.StatusRequestEntityTooLarge,
			wantBody:   "too large",
		},
		{
			name:       "body exactly at the limit",
			request:    func(t *testing.T) *http.Request { return signedRequest(t, handlerSecret, handlerNow, body) },
			opts:       []webhook.HandlerOption{webhook.WithMaxBodyBytes(int64(len(body)))},
			wantStatus: http.StatusNoContent,
			wantCalls:  1,
		},
		{
			name:       "no secrets configured",
			request:    func(t *testing.T) *http.Request { return signedRequest(t, handlerSecret, handlerNow, body) },
			secrets:    []string{},
			wantStatus: http.StatusInternalServerError,
			wantBody:   "secrets",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secrets := tt.secrets
			if secrets == nil {
				secrets = []string{handlerSecret}
			}
			rec := &recorder{err: tt.fnErr}
			opts := append([]webhook.HandlerOption{webhook.WithClock(func() time.Time { return handlerNow })}, tt.opts...)
			h := webhook.NewHandler(secrets, rec.fn, opts...)

			w := httptest.NewRecorder()
			h.ServeHTTP(w, tt.request(t))

			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d (%q), want %d", w.Code, w.Body.String(), tt.wantStatus)
			}
			if !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Errorf("body = %q, want it to contain %q", w.Body.String(), tt.wantBody)
			}
			if strings.Contains(w.Body.String(), "secret detail") {
				t.Errorf("body %q echoes the handler's error", w.Body.String())
			}
			if tt.wantStatus == http.StatusNoContent && w.Body.Len() != 0 {
				t.Errorf("204 with body %q", w.Body.String())
			}
			if tt.wantStatus == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q, want POST", w.Header().Get("Allow"))
			}
			if len(rec.events) != tt.wantCalls {
				t.Fatalf("fn called %d times, want %d", len(rec.events), tt.wantCalls)
			}
			if tt.wantCalls == 1 {
				if want := onTheWire(deliveryEvent()); !reflect.DeepEqual(rec.events[0], want) {
					t.Errorf("fn got\n%+v\nwant\n%+v", rec.events[0], want)
				}
			}
		})
	}
}

type ctxKey struct{}

func TestHandlerPassesRequestContext(t *testing.T) {
	body, _ := json.Marshal(inboundEvent())
	var got any
	h := webhook.NewHandler([]string{handlerSecret}, func(ctx context.Context, ev webhook.Event) error {
		got = ctx.Value(ctxKey{})
		return nil
	}, webhook.WithClock(func() time.Time { return handlerNow }))

	r := signedRequest(t, handlerSecret, handlerNow, body)
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, "from the request"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)

	if w.Code != http.StatusNoContent {
		t.Fatalf("status = %d, want 204", w.Code)
	}
	if got != "from the request" {
		t.Fatalf("context value = %v, want the request's", got)
	}
}

func TestHandlerOverHTTP(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(webhook.NewHandler([]string{handlerSecret}, rec.fn))
	defer srv.Close()

	// The real clock: sign now, as the dispatcher does.
	body, _ := json.Marshal(failedEvent())
	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts, sig := webhook.SignatureHeaders(handlerSecret, time.Now(), body)
	req.Header.Set(webhook.HeaderTimestamp, ts)
	req.Header.Set(webhook.HeaderSignature, sig)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status = %d, want 204", resp.StatusCode)
	}
	events := rec.received()
	if len(events) != 1 || events[0].Failure == nil || events[0].Failure.Code != "INVALID_DESTINATION" {
		t.Fatalf("events = %+v", events)
	}
}

func TestNewHandlerNilFunctionPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewHandler(nil fn) did not panic")
		}
	}()
	webhook.NewHandler([]string{handlerSecret}, nil)
}

func TestReceive(t *testing.T) {
	body, _ := json.Marshal(deliveryEvent())
	notEvent := []byte(`[1,2,3]`)

	tests := []struct {
		name     string
		request  func(t *testing.T) *http.Request
		maxBody  int64
		wantErr  error
		wantBody []byte
	}{
		{name: "good", request: func(t *testing.T) *http.Request { return signedRequest(t, handlerSecret, handlerNow, body) }, wantBody: body},
		{name: "bad signature", request: func(t *testing.T) *http.Request { return signedRequest(t, "whsec_x", handlerNow, body) }, wantErr: webhook.ErrSignatureMismatch},
		{name: "too large", request: func(t *testing.T) *http.Request { return signedRequest(t, handlerSecret, handlerNow, body) }, maxBody: 10, wantErr: webhook.ErrBodyTooLarge},
		{name: "verified but not an event", request: func(t *testing.T) *http.Request { return signedRequest(t, handlerSecret, handlerNow, notEvent) }, wantErr: webhook.ErrInvalidEvent, wantBody: notEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, raw, err := webhook.Receive(tt.request(t), []string{handlerSecret}, handlerNow, 0, tt.maxBody)
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("Receive error = %v, want %v", err, tt.wantErr)
			}
			if !bytes.Equal(raw, tt.wantBody) {
				t.Errorf("raw body = %q, want %q", raw, tt.wantBody)
			}
			if err != nil {
				if !reflect.DeepEqual(ev, webhook.Event{}) {
					t.Errorf("event = %+v, want zero on error", ev)
				}
				return
			}
			if want := onTheWire(deliveryEvent()); !reflect.DeepEqual(ev, want) {
				t.Errorf("event =\n%+v\nwant\n%+v", ev, want)
			}
		})
	}
}
