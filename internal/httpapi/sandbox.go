package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// sandboxWebhooks sets the caller's client-level URLs (PUT /api/sandbox/webhooks).
func (s *Server) sandboxWebhooks(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readJSON(w, r, false)
	if !ok {
		return
	}
	in, perr := platform.DecodeWebhookURLs(body, s.cfg.Sandbox)
	if perr != nil {
		s.domainError(w, r, perr)
		return
	}
	c := client(r)
	if err := s.db.SetWebhookURLs(r.Context(), c.ID, in.DeliveryURL, in.InboundURL); err != nil {
		s.fail(w, r, err)
		return
	}
	s.tokens.forget(c.ID)
	c, err := s.db.GetAPIClient(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, redcloud.SandboxWebhooks{DeliveryURL: c.DeliveryURL, InboundURL: c.InboundURL, SigningSecret: c.WebhookSecret})
}

// sandboxInbound simulates an inbound message (POST /api/sandbox/inbound).
func (s *Server) sandboxInbound(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readJSON(w, r, false)
	if !ok {
		return
	}
	in, perr := platform.DecodeInbound(body)
	if perr != nil {
		s.domainError(w, r, perr)
		return
	}
	c := client(r)
	var n platform.Number
	var err error
	field := "numberId"
	if in.NumberID != "" {
		n, err = s.db.GetNumber(r.Context(), in.NumberID)
	} else {
		field = "to"
		n, err = s.db.GetNumberByE164(r.Context(), in.To)
	}
	if err != nil && !errors.Is(err, platform.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	if err != nil || n.APIClientID != c.ID {
		s.coreError(w, r, http.StatusForbidden, redcloud.CodeForbidden, field+" is not owned by this API client", map[string]any{"field": field})
		return
	}
	// A keyword (STOP, START, HELP) runs the whole opt-out flow, as a
	// provider's inbound message does, with the client read afresh: the
	// authentication cache may hold it from before an operator changed its
	// keyword replies.
	if c, err = s.db.GetAPIClient(r.Context(), c.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	rcv := platform.ReceiveInbound(c, n, in, s.now())
	if err := s.db.ReceiveInbound(r.Context(), rcv); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, redcloud.SandboxInboundResult{MessageID: rcv.Message.ID, NumberID: n.ID, EventID: rcv.Event.ID})
	s.cfg.OnAccept() // after answering, as in send
}

// maxFaultDelay bounds delay_ms so a test cannot park a handler forever.
const maxFaultDelay = 60 * time.Second

// sandboxFault produces the failure named by X-RedCloud-Sandbox-Fault
// (CONTRACT §10).
func (s *Server) sandboxFault(w http.ResponseWriter, r *http.Request, next http.Handler) {
	fault := strings.TrimSpace(r.Header.Get(redcloud.HeaderSandboxFault))
	switch {
	case fault == "server_error":
		s.routeError(w, r, http.StatusInternalServerError, redcloud.OAuthServerError, redcloud.CodeServerError, "sandbox fault: server_error", nil)
	case fault == "upstream_error":
		s.routeError(w, r, http.StatusBadGateway, redcloud.OAuthTemporarilyUnavailable, redcloud.CodeUpstreamError, "sandbox fault: upstream_error", nil)
	case fault == "unauthorized":
		if oauthShaped(r) {
			s.oauthError(w, r, http.StatusUnauthorized, redcloud.OAuthInvalidClient, msgClientAuthFailed)
		} else {
			s.unauthorized(w, r, MsgInvalidToken)
		}
	case fault == "rate_limited":
		w.Header().Set("Retry-After", "1")
		s.routeError(w, r, http.StatusTooManyRequests, redcloud.OAuthTemporarilyUnavailable, redcloud.CodeRateLimited, "sandbox fault: rate_limited", nil)
	case fault == "commit_then_drop":
		next.ServeHTTP(newBufferWriter(), r)
		// Closes the connection without a response; net/http logs nothing for it.
		panic(http.ErrAbortHandler)
	case fault == "commit_then_500":
		next.ServeHTTP(newBufferWriter(), r)
		s.outcomeUnknown(w, r, "internal server error") // the work committed
	case strings.HasPrefix(fault, "delay_ms="):
		n, err := strconv.Atoi(strings.TrimPrefix(fault, "delay_ms="))
		if err != nil || n < 0 || time.Duration(n)*time.Millisecond > maxFaultDelay {
			s.faultInvalid(w, r, "delay_ms must be 0-60000")
			return
		}
		buf := newBufferWriter()
		next.ServeHTTP(buf, r)
		t := time.NewTimer(time.Duration(n) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		buf.copyTo(w)
	default:
		s.faultInvalid(w, r,
			"unknown X-RedCloud-Sandbox-Fault; use server_error, upstream_error, unauthorized, rate_limited, commit_then_drop, commit_then_500 or delay_ms=N")
	}
}

// faultInvalid answers a bad X-RedCloud-Sandbox-Fault value: 400.
func (s *Server) faultInvalid(w http.ResponseWriter, r *http.Request, msg string) {
	s.routeError(w, r, http.StatusBadRequest, redcloud.OAuthInvalidRequest, redcloud.CodeInvalidRequest, msg,
		map[string]any{"field": redcloud.HeaderSandboxFault})
}

// bufferWriter holds a response so a fault can decide what reaches the wire.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferWriter() *bufferWriter { return &bufferWriter{header: http.Header{}} }

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.status)
	w.Write(b.body.Bytes())
}
