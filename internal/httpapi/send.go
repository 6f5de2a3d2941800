package httpapi

import (
	"cmp"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// send accepts a send (POST /api/core/messages/send) in the documented
// processing order (CONTRACT §5); steps 1–2 ran in auth.
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	c := client(r)
	key := r.Header.Get(redcloud.HeaderIdempotencyKey)
	if key == "" {
		// details {} exactly as the contract's example of this error shows.
		s.coreError(w, r, http.StatusBadRequest, redcloud.CodeInvalidRequest, platform.MsgKeyRequired, nil)
		return
	}
	if !redcloud.ValidIdempotencyKey(key) {
		s.coreError(w, r, http.StatusBadRequest, redcloud.CodeInvalidRequest,
			"Idempotency-Key must be 1-255 visible ASCII characters", map[string]any{"field": redcloud.HeaderIdempotencyKey})
		return
	}
	body, ok := s.readJSON(w, r, false)
	if !ok {
		return
	}
	in, perr := platform.DecodeSend(body, s.cfg.Sandbox)
	if perr != nil {
		s.domainError(w, r, perr)
		return
	}
	ctx := r.Context()
	now := s.now()
	rec, err := s.db.GetIdempotency(ctx, c.ID, key, now)
	switch {
	case err == nil:
		s.replay(w, r, rec, in)
		return
	case !errors.Is(err, platform.ErrNotFound):
		s.fail(w, r, err)
		return
	}
	// After the idempotency lookup: a replay answers its stored 202 even
	// when the limit was lowered since.
	if in.MessageType == redcloud.MessageTypeSMS && s.cfg.MaxSegments > 0 {
		if n := redcloud.Segments(in.Text).Segments; n > s.cfg.MaxSegments {
			s.domainError(w, r, platform.SegmentLimitError(n, s.cfg.MaxSegments))
			return
		}
	}
	if perr := platform.CheckSendFrom(in.SendFrom); perr != nil {
		s.domainError(w, r, perr)
		return
	}
	n, err := s.db.GetNumber(ctx, in.SendFrom)
	if err != nil && !errors.Is(err, platform.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	if err != nil || n.APIClientID != c.ID {
		s.coreError(w, r, http.StatusForbidden, redcloud.CodeForbidden, platform.MsgNotOwned, map[string]any{"field": "sendFrom"})
		return
	}
	if perr := platform.CheckSendNumber(n, in.MessageType); perr != nil {
		s.domainError(w, r, perr)
		return
	}
	recipients, rejected := platform.CheckRecipients(in.To)
	// After the idempotency lookup: a replay of an acceptance made before a
	// STOP still answers its stored 202.
	recipients, rejected, err = s.withoutOptedOut(r, c.ID, recipients, rejected)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(recipients) == 0 {
		s.coreError(w, r, http.StatusBadRequest, redcloud.CodeInvalidRequest, platform.MsgNoValidRecips,
			map[string]any{"field": "to", "errors": rejected})
		return
	}
	path, err := s.shapingPath(r, n, in.MessageType)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(path) > 0 {
		var retryAt time.Time
		refused := len(rejected)
		recipients, rejected, retryAt, err = s.horizon(r, path, in, recipients, rejected, now)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(recipients) == 0 && refused == 0 {
			w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(max(retryAt.Sub(now).Seconds(), 1))), 10))
			s.coreError(w, r, http.StatusTooManyRequests, redcloud.CodeRateLimited,
				"every recipient would wait past the message validity ("+s.cfg.MessageValidity.String()+"): the sending number's queue is full",
				map[string]any{"reason": platform.ReasonQueueFull, "field": "to", "errors": rejected})
			return
		}
		if len(recipients) == 0 {
			s.coreError(w, r, http.StatusBadRequest, redcloud.CodeInvalidRequest, platform.MsgNoValidRecips,
				map[string]any{"field": "to", "errors": rejected})
			return
		}
	}
	a := platform.NewAcceptance(platform.AcceptInput{
		Client: c, Number: n, Send: in, Key: key, Recipients: recipients, Errors: rejected, Now: now,
		KeyTTL: s.cfg.IdempotencyTTL, Validity: s.cfg.MessageValidity,
	})
	a.Path = path
	rec, created, err := s.db.Accept(ctx, a)
	if errors.Is(err, store.ErrSenderChanged) {
		// The number moved between the check above and the commit.
		s.coreError(w, r, http.StatusForbidden, redcloud.CodeForbidden, platform.MsgNotOwned, map[string]any{"field": "sendFrom"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !created {
		s.replay(w, r, rec, in)
		return
	}
	// Answer before the hooks: the acceptance has committed, so a panicking
	// hook must not turn it into a not_processed 500.
	writeRaw(w, rec.Status, rec.Response)
	s.cfg.OnAccept()
	s.cfg.Metrics.Accepted(len(a.Messages))
}

// withoutOptedOut moves the recipients on client clientID's opt-out list
// (and, in sandbox mode, the permanently opted-out magic recipient) to the
// errors, which stay in index order.
func (s *Server) withoutOptedOut(r *http.Request, clientID string, ok []platform.Recipient,
	bad []redcloud.RecipientError) ([]platform.Recipient, []redcloud.RecipientError, error) {
	to := make([]string, len(ok))
	for i, rc := range ok {
		to[i] = rc.To
	}
	out, err := s.db.Suppressed(r.Context(), clientID, to)
	if err != nil {
		return nil, nil, err
	}
	if s.cfg.Sandbox {
		out[redcloud.SandboxOptedOut] = true
	}
	kept := ok[:0:0]
	moved := false
	for _, rc := range ok {
		if !out[rc.To] {
			kept = append(kept, rc)
			continue
		}
		moved = true
		bad = append(bad, redcloud.RecipientError{To: rc.To, Index: rc.Index, Code: redcloud.CodeForbidden,
			Reason: platform.ReasonOptedOut, Message: platform.MsgOptedOut})
	}
	if moved {
		slices.SortFunc(bad, func(a, b redcloud.RecipientError) int { return cmp.Compare(a.Index, b.Index) })
	}
	return kept, bad, nil
}

// replay answers a request whose key has a live record: the stored response
// byte for byte when the payload matches, 409 otherwise.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, rec platform.IdempotencyRecord, in platform.SendInput) {
	canonical := in.Canonical()
	if platform.Fingerprint(canonical) != rec.Fingerprint {
		s.coreError(w, r, http.StatusConflict, redcloud.CodeConflict, platform.MsgKeyMismatch, map[string]any{
			"reason": "payload_mismatch", "fields": platform.DiffFields(rec.Payload, canonical),
		})
		return
	}
	w.Header()[headerReplayed] = valueTrue
	writeRaw(w, rec.Status, rec.Response)
}

// idempotencyKey shows a live idempotency record (GET /api/core/idempotency-keys/{key}).
func (s *Server) idempotencyKey(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	var rec platform.IdempotencyRecord
	err := platform.ErrNotFound // a key no send accepts has no record
	if redcloud.ValidIdempotencyKey(key) {
		rec, err = s.db.GetIdempotency(r.Context(), client(r).ID, key, s.now())
	}
	if errors.Is(err, platform.ErrNotFound) {
		s.coreError(w, r, http.StatusNotFound, redcloud.CodeNotFound, "no live record of this Idempotency-Key", nil)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, redcloud.IdempotencyRecord{
		Key: key, FirstSeenAt: redcloud.NewTime(rec.CreatedAt), ExpiresAt: redcloud.NewTime(rec.ExpiresAt),
		Fingerprint: rec.Fingerprint, Status: rec.Status, Response: rec.Response,
	})
}

// message shows a message and its events (GET /api/core/messages/{messageId}).
func (s *Server) message(w http.ResponseWriter, r *http.Request) {
	var m platform.Message
	var events []platform.Event
	err := platform.ErrNotFound
	if id := r.PathValue("messageId"); storable(id) {
		m, events, err = s.db.GetMessage(r.Context(), client(r).ID, id)
	}
	if errors.Is(err, platform.ErrNotFound) {
		s.coreError(w, r, http.StatusNotFound, redcloud.CodeNotFound, "message not found", nil)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wireMessage(m, events))
}

func wireMessage(m platform.Message, events []platform.Event) redcloud.Message {
	out := redcloud.Message{
		MessageID: m.ID, Direction: m.Direction, NumberID: m.NumberID, From: m.From, To: m.To,
		MessageType: m.MessageType, Text: optional(m.Text), MediaURLs: m.MediaURLs,
		ExternalReference: optional(m.ExternalReference), Status: m.Status,
		CreatedAt: redcloud.NewTime(m.CreatedAt), UpdatedAt: redcloud.NewTime(m.UpdatedAt),
		ProviderMessageRef: optional(m.ProviderRef), Events: make([]redcloud.MessageEvent, 0, len(events)),
		Encoding: optional(m.Encoding), Segments: m.Segments, NonGSMCharacters: m.NonGSMCharacters,
	}
	if out.NonGSMCharacters == nil {
		out.NonGSMCharacters = []string{}
	}
	if out.MediaURLs == nil {
		out.MediaURLs = []string{}
	}
	if m.QueuedUntil != nil {
		t := redcloud.NewTime(*m.QueuedUntil)
		out.QueuedUntil = &t
	}
	if m.FailureCode != "" {
		out.Failure = &redcloud.Failure{Code: m.FailureCode, Message: m.FailureMessage, ProviderCode: m.FailureProviderCode}
	}
	for _, e := range events {
		out.Events = append(out.Events, redcloud.MessageEvent{
			EventID: e.ID, Type: e.Type, Sequence: e.Sequence, CreatedAt: redcloud.NewTime(e.CreatedAt),
		})
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
