package redcloud_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
)

// TestCommitThenDrop: the server commits the send and drops the
// connection. The client retries with the same key and bytes, the replay
// returns the same messageIds, and the database holds one set of messages.
func TestCommitThenDrop(t *testing.T) {
	t.Parallel()
	for _, fault := range []string{"commit_then_drop", "commit_then_500"} {
		t.Run(fault, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.faultOn(sendPath, fault, 1)
			c := e.client()
			res, err := c.Send(e.ctx, sms(numberID, "hi", numberE164, redcloud.SandboxCarrierRejected), redcloud.WithIdempotencyKey("idem_order_789"))
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if !res.Replayed {
				t.Error("Replayed = false; the retry should have been answered by the stored response")
			}
			if len(res.Attempts) < 2 || !res.Attempts[0].Ambiguous {
				t.Errorf("attempts %+v: want a first, ambiguous attempt and a retry", res.Attempts)
			}
			sends := e.rec.requests(sendPath)
			for _, s := range sends {
				if s.key != "idem_order_789" || string(s.body) != string(sends[0].body) {
					t.Errorf("a retry changed the key or the body: %q %s", s.key, s.body)
				}
			}
			stored := e.messageIDsFor("idem_order_789")
			if len(stored) != 2 {
				t.Fatalf("messages under the key = %v, want exactly one set of 2", stored)
			}
			if got := sorted(res.MessageIDs()); !slices.Equal(got, stored) {
				t.Errorf("result messageIds %v, stored %v", got, stored)
			}
			// The key's record agrees: reconciliation gives the same ids.
			rec, err := c.IdempotencyKey(e.ctx, "idem_order_789")
			if err != nil {
				t.Fatalf("IdempotencyKey: %v", err)
			}
			resp, err := rec.SendResponse()
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range resp.Results {
				ids = append(ids, r.MessageID)
			}
			if !slices.Equal(sorted(ids), stored) || rec.Status != 202 {
				t.Errorf("record %d %v, stored %v", rec.Status, ids, stored)
			}
		})
	}
}

// TestAmbiguousOutlivesRetries: every attempt commits-then-drops. The
// error says the outcome is unknown and names the key; IdempotencyKey
// reconciles; sending again with the key returns the one acceptance.
func TestAmbiguousOutlivesRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.faultOn(sendPath, "commit_then_drop")
	c := e.client()
	_, err := c.Send(e.ctx, sms(numberID, "hi", numberE164))
	if !redcloud.Ambiguous(err) || !errors.Is(err, redcloud.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	var te *redcloud.TransportError
	if !errors.As(err, &te) || !te.MaybeProcessed || te.IdempotencyKey == "" {
		t.Fatalf("err = %v, want a *TransportError that may have been processed, with its key", err)
	}
	if !strings.Contains(err.Error(), te.IdempotencyKey) || !strings.Contains(redcloud.Explain(err), "reconcile") {
		t.Errorf("the error does not say how to reconcile: %v / %s", err, redcloud.Explain(err))
	}
	if n := len(e.rec.requests(sendPath)); n < redcloud.DefaultMaxAttempts {
		t.Errorf("send requests = %d, want at least %d", n, redcloud.DefaultMaxAttempts)
	}
	rec, err := c.IdempotencyKey(e.ctx, te.IdempotencyKey)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	resp, _ := rec.SendResponse()
	stored := e.messageIDsFor(te.IdempotencyKey)
	if len(stored) != 1 || len(resp.Results) != 1 || resp.Results[0].MessageID != stored[0] {
		t.Errorf("record %+v, stored %v: want the one acceptance", resp, stored)
	}
	e.faultOn(sendPath, "")
	res, err := c.Send(e.ctx, sms(numberID, "hi", numberE164), redcloud.WithIdempotencyKey(te.IdempotencyKey))
	if err != nil || !res.Replayed || res.Results[0].MessageID != stored[0] {
		t.Errorf("send again with the key: %+v, %v", res, err)
	}
}

// TestKeyReuseRefusedLocally: a different payload under a key this client
// used is refused before any request; the same payload is allowed (a
// replay); a key whose send certainly did nothing may be reused.
func TestKeyReuseRefusedLocally(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	first, err := c.Send(e.ctx, sms(numberID, "first", numberE164), redcloud.WithIdempotencyKey("idem_reuse"))
	if err != nil {
		t.Fatal(err)
	}
	before := len(e.rec.requests(""))
	_, err = c.Send(e.ctx, sms(numberID, "changed", numberE164), redcloud.WithIdempotencyKey("idem_reuse"))
	var kr *redcloud.KeyReuseError
	if !errors.As(err, &kr) || kr.Key != "idem_reuse" {
		t.Fatalf("err = %v (%T), want *KeyReuseError", err, err)
	}
	if n := len(e.rec.requests("")) - before; n != 0 {
		t.Errorf("%d requests were sent; want none", n)
	}
	if redcloud.Classify(err) != redcloud.Conflict || redcloud.Advise(err) != redcloud.FixRequest {
		t.Errorf("Classify %s Advise %s", redcloud.Classify(err), redcloud.Advise(err))
	}
	again, err := c.Send(e.ctx, sms(numberID, "first", numberE164), redcloud.WithIdempotencyKey("idem_reuse"))
	if err != nil || !again.Replayed || !slices.Equal(again.MessageIDs(), first.MessageIDs()) {
		t.Errorf("same payload again: %+v, %v; want the replay", again, err)
	}

	// A send refused with not_processed leaves nothing: the key is free.
	_, err = c.Send(e.ctx, sms(numberE164, "wrong sendFrom", numberE164), redcloud.WithIdempotencyKey("idem_fixed"))
	if redcloud.Classify(err) != redcloud.RequestDefect {
		t.Fatalf("err = %v, want the request defect", err)
	}
	if _, err := c.Send(e.ctx, sms(numberID, "fixed", numberE164), redcloud.WithIdempotencyKey("idem_fixed")); err != nil {
		t.Errorf("the fixed request under the same key: %v", err)
	}
}

// TestKeyGuardBounded: the guard forgets the least recently used keys.
func TestKeyGuardBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(func(c *redcloud.Config) { c.KeyGuardSize = 2 })
	for _, k := range []string{"k1", "k2", "k3"} {
		if _, err := c.Send(e.ctx, sms(numberID, "a", numberE164), redcloud.WithIdempotencyKey(k)); err != nil {
			t.Fatal(err)
		}
	}
	// k1 was forgotten locally: the server's 409 answers instead.
	_, err := c.Send(e.ctx, sms(numberID, "b", numberE164), redcloud.WithIdempotencyKey("k1"))
	var kr *redcloud.KeyReuseError
	if errors.As(err, &kr) || asAPIError(t, err).StatusCode != 409 {
		t.Errorf("k1: err = %v, want the server's 409", err)
	}
	// k3 is remembered.
	if _, err := c.Send(e.ctx, sms(numberID, "b", numberE164), redcloud.WithIdempotencyKey("k3")); !errors.As(err, &kr) {
		t.Errorf("k3: err = %v, want *KeyReuseError", err)
	}
}

// TestPartialAcceptance: an accepted send with rejected recipients is not an
// error, and Partial says so.
func TestPartialAcceptance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res, err := e.client().Send(e.ctx, sms(numberID, "hi", numberE164, "15551234567", numberE164))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partial() || len(res.Results) != 1 || len(res.Errors) != 2 {
		t.Fatalf("result %+v: want 1 accepted, 2 rejected, partial", res)
	}
	if res.Errors[0].Index != 1 || res.Errors[1].Index != 2 || res.Results[0].Status != redcloud.MessageQueued {
		t.Errorf("errors %+v results %+v", res.Errors, res.Results)
	}
	whole, err := e.client().Send(e.ctx, sms(numberID, "hi", numberE164))
	if err != nil || whole.Partial() || whole.Errors == nil {
		t.Errorf("a full acceptance: %+v, %v", whole, err)
	}
}

// TestInvalidKeyRefused: a key that cannot be valid is refused locally.
func TestInvalidKeyRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, key := range []string{"has space", "new\nline", strings.Repeat("k", 256), "ключ"} {
		_, err := e.client().Send(e.ctx, sms(numberID, "hi", numberE164), redcloud.WithIdempotencyKey(key))
		var ve *redcloud.ValidationError
		if !errors.As(err, &ve) || redcloud.Classify(err) != redcloud.RequestDefect {
			t.Errorf("key %q: err = %v, want *ValidationError", key, err)
		}
	}
	if n := len(e.rec.requests(sendPath)); n != 0 {
		t.Errorf("%d sends reached the server", n)
	}
}

// TestGeneratedKeys: every Send without a key gets its own.
func TestGeneratedKeys(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		k := redcloud.NewIdempotencyKey()
		if !strings.HasPrefix(k, "rc_") || len(k) != 27 || seen[k] {
			t.Fatalf("key %q (seen before: %v)", k, seen[k])
		}
		seen[k] = true
	}
}
