package httpapi_test

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// TestSendToOptedOut: a recipient who texted STOP is refused in errors[]
// with FORBIDDEN recipient_opted_out, the others are accepted; all
// refused → 400 no valid recipients; a replay of an acceptance made before
// the STOP still answers its stored 202; START lifts the opt-out.
func TestSendToOptedOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	person, other := "+15557000001", "+15557000002"

	first := e.send(t, tok, "idem_before_stop", sms(numberID, "hello", person, other))
	wantAccepted(t, first)
	if r := e.post(t, "/api/sandbox/inbound", tok, `{"numberId":"num_abc123","from":"`+person+`","text":"STOP"}`); r.status != http.StatusAccepted {
		t.Fatalf("inbound STOP: %d %s", r.status, r.body)
	}

	wantReplay(t, e.send(t, tok, "idem_before_stop", sms(numberID, "hello", person, other)), first)

	s := wantAccepted(t, e.send(t, tok, "idem_after_stop", sms(numberID, "hello", person, other)))
	if len(s.Results) != 1 || s.Results[0].To != other {
		t.Errorf("results %+v, want only %s", s.Results, other)
	}
	optedOut := map[string]any{"to": person, "index": 0, "code": "FORBIDDEN", "reason": "recipient_opted_out",
		"message": platform.MsgOptedOut}
	if got, want := normal(t, s.Errors), normal(t, []any{optedOut}); !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %s", mustMarshal(s.Errors))
	}

	wantCore(t, e.send(t, tok, "idem_all_out", sms(numberID, "hello", person, redcloud.SandboxOptedOut)),
		http.StatusBadRequest, redcloud.CodeInvalidRequest, platform.MsgNoValidRecips,
		map[string]any{"field": "to", "errors": []any{optedOut, map[string]any{"to": redcloud.SandboxOptedOut, "index": 1,
			"code": "FORBIDDEN", "reason": "recipient_opted_out", "message": platform.MsgOptedOut}}})

	// Another API client's list is its own.
	otherTok := e.otherToken(t)
	wantAccepted(t, e.send(t, otherTok, "idem_other", sms(redcloud.SandboxOtherNumberID, "hello", person)))

	// The client cannot remove the person's STOP; START does.
	wantCore(t, e.do(t, nil, request{method: http.MethodDelete, path: "/api/core/opt-outs/" + url.PathEscape(person), token: tok}),
		http.StatusConflict, redcloud.CodeConflict, httpapi.MsgKeywordOptOut, map[string]any{"reason": "keyword_opt_out"})
	e.post(t, "/api/sandbox/inbound", tok, `{"numberId":"num_abc123","from":"`+person+`","text":"start"}`)
	wantAccepted(t, e.send(t, tok, "idem_after_start", sms(numberID, "hello", person)))

	// One reply per keyword, marked, from the receiving number, with no webhook deliveries.
	if n := e.count(t, `SELECT COUNT(*) FROM messages WHERE keyword_reply = 1 AND to_e164 = ? AND from_e164 = ?`, person, numberE164); n != 2 {
		t.Errorf("%d keyword replies, want 2", n)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM deliveries d JOIN events ev ON ev.id = d.event_id
		JOIN messages m ON m.id = ev.message_id WHERE m.keyword_reply = 1`); n != 0 {
		t.Errorf("%d deliveries for keyword replies, want 0", n)
	}
}

// TestOptOutRoutes: add, list with paging, remove; validation.
func TestOptOutRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	for i, n := range []string{"+15557000013", "+15557000011", "+15557000012"} {
		r := e.post(t, "/api/core/opt-outs", tok, `{"e164":"`+n+`"}`)
		if r.status != http.StatusCreated {
			t.Fatalf("add %d: %d %s", i, r.status, r.body)
		}
	}
	again := e.post(t, "/api/core/opt-outs", tok, `{"e164":"+15557000011"}`)
	var o redcloud.OptOut
	mustJSON(t, again.body, &o)
	if again.status != http.StatusOK || o.E164 != "+15557000011" || o.Source != redcloud.OptOutAPI || o.Keyword != nil || o.NumberID != nil {
		t.Errorf("add again: %d %s", again.status, again.body)
	}
	wantCore(t, e.post(t, "/api/core/opt-outs", tok, `{"e164":"5557000011"}`), http.StatusBadRequest,
		redcloud.CodeInvalidRequest, "e164 must be an E.164 phone number", map[string]any{"field": "e164"})

	var got []string
	path := "/api/core/opt-outs?limit=2"
	for page := 0; ; page++ {
		r := e.get(t, path, tok)
		var l redcloud.OptOutList
		mustJSON(t, r.body, &l)
		for _, o := range l.OptOuts {
			got = append(got, o.E164)
		}
		if l.NextCursor == nil || page > 3 {
			break
		}
		path = "/api/core/opt-outs?limit=2&cursor=" + url.QueryEscape(*l.NextCursor)
	}
	if want := []string{"+15557000011", "+15557000012", "+15557000013"}; !reflect.DeepEqual(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
	wantCore(t, e.get(t, "/api/core/opt-outs?limit=0", tok), http.StatusBadRequest, redcloud.CodeInvalidRequest,
		"limit must be an integer from 1 to 100", map[string]any{"field": "limit"})
	wantCore(t, e.get(t, "/api/core/opt-outs?cursor=nope", tok), http.StatusBadRequest, redcloud.CodeInvalidRequest,
		"cursor is not one this route returned", map[string]any{"field": "cursor"})

	// Another client sees none of them.
	var l redcloud.OptOutList
	mustJSON(t, e.get(t, "/api/core/opt-outs", e.otherToken(t)).body, &l)
	if len(l.OptOuts) != 0 {
		t.Errorf("the other client lists %+v", l.OptOuts)
	}

	del := func(n string) resp {
		return e.do(t, nil, request{method: http.MethodDelete, path: "/api/core/opt-outs/" + n, token: tok})
	}
	if r := del("%2B15557000011"); r.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if r := del("+15557000012"); r.status != http.StatusNoContent { // a literal + is the same number
		t.Errorf("delete with a literal +: %d %s", r.status, r.body)
	}
	wantCore(t, del("%2B15557000011"), http.StatusNotFound, redcloud.CodeNotFound, "no opt-out of this number", nil)
	wantAccepted(t, e.send(t, tok, "idem_removed", sms(numberID, "hello", "+15557000011")))
	s := wantAccepted(t, e.send(t, tok, "idem_kept", sms(numberID, "hello", "+15557000011", "+15557000013")))
	if len(s.Errors) != 1 || s.Errors[0]["reason"] != "recipient_opted_out" {
		t.Errorf("errors %v, want +15557000013 opted out", s.Errors)
	}
}

// TestCustomKeywordReplies: a STOP to a client with its own replies is
// answered with its text, even when the authentication cache holds the
// client from before the change; HELP without a custom text gets the
// default; another client keeps the defaults.
func TestCustomKeywordReplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAuthCache(time.Hour))
	tok := e.sandboxToken(t)
	e.get(t, "/api/core/whoami", tok) // the client is cached from here on
	custom := platform.KeywordReplies{OptOut: "Acme: you are unsubscribed. Text START to rejoin."}
	if err := e.db.SetKeywordReplies(e.ctx, clientID, custom); err != nil {
		t.Fatal(err)
	}
	reply := func(tok, numberID, from, text string) string {
		t.Helper()
		r := e.post(t, "/api/sandbox/inbound", tok, `{"numberId":"`+numberID+`","from":"`+from+`","text":"`+text+`"}`)
		if r.status != http.StatusAccepted {
			t.Fatalf("inbound %s: %d %s", text, r.status, r.body)
		}
		var got string
		if err := e.raw(t).QueryRow(`SELECT text FROM messages WHERE keyword_reply = 1 AND to_e164 = ? ORDER BY created_at DESC, id DESC LIMIT 1`,
			from).Scan(&got); err != nil {
			t.Fatalf("the reply to %s: %v", text, err)
		}
		return got
	}
	if got := reply(tok, numberID, "+15557000021", "STOP"); got != custom.OptOut {
		t.Errorf("STOP reply %q, want the client's %q", got, custom.OptOut)
	}
	if got := reply(tok, numberID, "+15557000022", "HELP"); got != platform.ReplyHelp {
		t.Errorf("HELP reply %q, want the default", got)
	}
	if got := reply(e.otherToken(t), redcloud.SandboxOtherNumberID, "+15557000023", "STOP"); got != platform.ReplyOptOut {
		t.Errorf("the other client's STOP reply %q, want the default", got)
	}
}
