package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// DefaultMaxBodyBytes is the largest body Receive and NewHandler's handler
// read when no other limit is given: 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// HandlerOption configures the handler returned by NewHandler.
type HandlerOption func(*handler)

// WithMaxBodyBytes sets the largest accepted body; larger bodies are answered
// 413. n <= 0 means the default, DefaultMaxBodyBytes.
func WithMaxBodyBytes(n int64) HandlerOption {
	return func(h *handler) { h.maxBody = n }
}

// WithTolerance sets how far a request's timestamp may be from the clock, in
// either direction. d <= 0 means the default, DefaultTolerance.
func WithTolerance(d time.Duration) HandlerOption {
	return func(h *handler) { h.tolerance = d }
}

// WithClock sets the clock that timestamps are checked against. The default
// is time.Now; a nil now also means time.Now.
func WithClock(now func() time.Time) HandlerOption {
	return func(h *handler) { h.now = now }
}

// WithLogger sets a logger for rejected requests (at warn level) and for
// errors returned by the event function (at error level). The default logs
// nothing. Secrets, signatures and bodies are never logged.
func WithLogger(logger *slog.Logger) HandlerOption {
	return func(h *handler) { h.logger = logger }
}

type handler struct {
	secrets   []string
	fn        func(ctx context.Context, ev Event) error
	maxBody   int64
	tolerance time.Duration
	now       func() time.Time
	logger    *slog.Logger
}

// NewHandler returns an http.Handler that receives Red Cloud webhooks. For
// each POST it reads the raw body (up to the limit), verifies the signature
// headers against secrets with Verify, parses the event and calls fn with the
// request's context. It answers:
//
//   - 204 No Content when fn returned nil — the only success answer, so Red
//     Cloud retries every event fn did not accept;
//   - 405 for any method but POST;
//   - 413 when the body exceeds the limit;
//   - 401 when the signature or timestamp is missing, malformed, out of
//     tolerance or does not match;
//   - 400 when the verified body is not an event;
//   - 500 when fn returned an error, or when no usable secret is configured.
//
// Error answers have a short plain-text body saying why; the text of fn's
// error is not sent. Delivery is at least once and events may arrive out of
// order: fn should de-duplicate on EventID and may use a SequenceTracker.
// NewHandler panics if fn is nil.
func NewHandler(secrets []string, fn func(ctx context.Context, ev Event) error, opts ...HandlerOption) http.Handler {
	if fn == nil {
		panic("webhook: NewHandler called with a nil function")
	}
	h := &handler{
		secrets: append([]string(nil), secrets...),
		fn:      fn,
	}
	for _, opt := range opts {
		opt(h)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed: use POST", http.StatusMethodNotAllowed)
		return
	}
	ev, _, err := Receive(r, h.secrets, h.now(), h.tolerance, h.maxBody)
	if err != nil {
		status, msg := rejection(err)
		level := slog.LevelWarn
		if status >= 500 {
			level = slog.LevelError
		}
		h.logger.Log(r.Context(), level, "webhook rejected", "status", status, "reason", msg, "error", err)
		http.Error(w, msg, status)
		return
	}
	if err := h.fn(r.Context(), ev); err != nil {
		h.logger.Error("webhook handler failed", "eventId", ev.EventID, "type", ev.Type, "messageId", ev.MessageID, "sequence", ev.Sequence, "error", err)
		http.Error(w, "event not processed", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// rejection maps a Receive error to a status code and a short reason.
func rejection(err error) (int, string) {
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge, "body too large"
	case errors.Is(err, ErrNoSecrets):
		return http.StatusInternalServerError, "webhook secrets not configured"
	case errors.Is(err, ErrMissingSignature):
		return http.StatusUnauthorized, "missing signature or timestamp"
	case errors.Is(err, ErrInvalidTimestamp):
		return http.StatusUnauthorized, "invalid timestamp"
	case errors.Is(err, ErrTimestampOutOfTolerance):
		return http.StatusUnauthorized, "timestamp outside tolerance"
	case errors.Is(err, ErrSignatureMismatch):
		return http.StatusUnauthorized, "signature mismatch"
	case errors.Is(err, ErrInvalidEvent):
		return http.StatusBadRequest, "invalid event body"
	default:
		return http.StatusBadRequest, "could not read body"
	}
}

// Receive reads, verifies and parses one webhook request, for receivers that
// write their own handler. It reads at most maxBody bytes of r.Body (maxBody
// <= 0 means DefaultMaxBodyBytes; more is ErrBodyTooLarge), verifies the
// HeaderTimestamp and HeaderSignature headers with Verify(secrets, …, now,
// tolerance), then parses the body with ParseEvent. It returns the event and
// the raw body exactly as received.
//
// On an error the event is zero. The raw body is returned only when the
// signature was verified and the body then failed to parse (ErrInvalidEvent);
// otherwise it is nil, so that unverified bytes are never handed on.
// Receive does not check the method.
func Receive(r *http.Request, secrets []string, now time.Time, tolerance time.Duration, maxBody int64) (Event, []byte, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	if r.ContentLength > maxBody {
		return Event{}, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrBodyTooLarge, r.ContentLength, maxBody)
	}
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return Event{}, nil, fmt.Errorf("read body: %w", err)
		}
		if int64(len(body)) > maxBody {
			return Event{}, nil, fmt.Errorf("%w: limit %d bytes", ErrBodyTooLarge, maxBody)
		}
	}
	err := Verify(secrets, r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body, now, tolerance)
	if err != nil {
		return Event{}, nil, err
	}
	ev, err := ParseEvent(body)
	if err != nil {
		return Event{}, body, err
	}
	return ev, body, nil
}
