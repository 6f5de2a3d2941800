package chaos_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/webhook"
)

// Keyword traffic: while the load and the faults run, a few people text
// STOP, START and HELP to the demo number through POST /api/sandbox/inbound,
// and after each keyword the client sends to that person (and one ordinary
// recipient) under a fresh key. No other operation sends to these people.

// keywordRecipients are the people who text keywords.
var keywordRecipients = []string{"+16665550001", "+16665550002", "+16665550003", "+16665550004", "+16665550005", "+16665550006"}

func isKeywordRecipient(e164 string) bool { return slices.Contains(keywordRecipients, e164) }

// keywordTexts are the texts they send, each with the keyword type it is.
var keywordTexts = []struct{ text, typ string }{
	{"STOP", webhook.KeywordOptOut}, {"stop", webhook.KeywordOptOut}, {"Stop.", webhook.KeywordOptOut},
	{"STOP ALL", webhook.KeywordOptOut}, {"unsubscribe", webhook.KeywordOptOut}, {"ＳＴＯＰ", webhook.KeywordOptOut},
	{"START", webhook.KeywordOptIn}, {"start", webhook.KeywordOptIn}, {"unstop", webhook.KeywordOptIn}, {"Yes", webhook.KeywordOptIn},
	{"HELP", webhook.KeywordHelp}, {"info", webhook.KeywordHelp},
}

func keywordType(text string) string {
	for _, k := range keywordTexts {
		if k.text == text {
			return k.typ
		}
	}
	return ""
}

// customStopReply is the demo client's own STOP reply, set with `redcloud
// admin client replies` once the first process runs; START and HELP keep
// the defaults.
const customStopReply = "Chaos Inc: you are unsubscribed and get no more texts from this number. Text START to rejoin."

// setStopReply sets customStopReply on the demo client with the admin
// command, as an operator would, beside the running server.
func setStopReply(dsn string) error {
	out, err := exec.Command(binary, "admin", "client", "replies", demoID, "--stop", customStopReply, "--db", dsn).CombinedOutput()
	if err != nil {
		return fmt.Errorf("admin client replies: %v: %s", err, out)
	}
	return nil
}

// replyType is the keyword type a stored keyword reply answers.
func replyType(text string) string {
	switch text {
	case customStopReply:
		return webhook.KeywordOptOut
	case platform.ReplyOptIn:
		return webhook.KeywordOptIn
	case platform.ReplyHelp:
		return webhook.KeywordHelp
	}
	return ""
}

// keywordSend is what an operation to a keyword recipient knew when it began.
type keywordSend struct {
	to string
	// optedOut: the person's last acknowledged keyword was an opt-out.
	optedOut bool
	// certain: no keyword request of the person was abandoned while a live
	// server might still commit it, so optedOut is their state.
	certain bool
}

// inboundAck is one acknowledged keyword: the stored inbound message.
type inboundAck struct {
	messageID, from, text string
}

// timeoutTransport marks requests that the client abandoned (a timeout or a
// cancelled context) without an answer: the server may still be working on
// them and commit later.
type timeoutTransport struct {
	base      http.RoundTripper
	abandoned atomic.Bool
	inbound   atomic.Int64 // requests to /api/sandbox/inbound
}

func (tt *timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == redcloud.PathSandboxInbound {
		tt.inbound.Add(1)
	}
	res, err := tt.base.RoundTrip(req)
	if err != nil && req.Context().Err() != nil {
		tt.abandoned.Store(true)
	}
	return res, err
}

// keywords is the keyword traffic of one run.
type keywords struct {
	client *redcloud.Client
	tr     *timeoutTransport
	d      *driver
	pause  time.Duration

	mu       sync.Mutex
	optedOut map[string]bool // by person: the last acknowledged keyword was an opt-out
	tainted  map[string]bool // by person: a keyword request was abandoned
	attempts map[string]int  // by person: requests to the inbound route
	acks     []inboundAck
	last     map[string]*op // by person: the last operation sent to them
	replays  int            // operations sent again after a later keyword
	next     int
}

// newKeywords builds the keyword traffic's client: its own transport over
// the run's recorder, and a timeout (30 s) far beyond any kill interval,
// so that a request is answered or dies with its process.
func newKeywords(base string, rec *recorder, d *driver, pause time.Duration) (*keywords, error) {
	tr := &timeoutTransport{base: rec}
	c, err := redcloud.NewClient(redcloud.Config{BaseURL: base, ClientID: demoID, ClientSecret: demoSecret,
		HTTPClient: &http.Client{Transport: tr, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		Retry: redcloud.RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}})
	if err != nil {
		return nil, err
	}
	return &keywords{client: c, tr: tr, d: d, pause: pause, optedOut: map[string]bool{}, tainted: map[string]bool{},
		attempts: map[string]int{}, last: map[string]*op{}}, nil
}

// work texts keywords and sends after each until load ends.
func (k *keywords) work(load, finish context.Context) {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	for load.Err() == nil {
		to := keywordRecipients[r.IntN(len(keywordRecipients))]
		kt := keywordTexts[r.IntN(len(keywordTexts))]
		if !k.inbound(finish, r, to, kt.text, kt.typ) {
			return
		}
		// A send accepted before this keyword, sent again: its stored
		// answer, whatever the keyword changed.
		k.mu.Lock()
		prev := k.last[to]
		k.mu.Unlock()
		if prev != nil && prev.accepted && r.IntN(3) == 0 {
			k.d.complete(finish, k.client, prev, r, true)
			k.mu.Lock()
			k.replays++
			k.mu.Unlock()
		}
		o := k.newOp(r, to)
		k.d.complete(finish, k.client, o, r, false)
		sleepCtx(load, k.pause)
	}
}

// inbound texts one keyword until the server acknowledges it, and records
// what the person's state is now. It reports false when finish ended first.
func (k *keywords) inbound(ctx context.Context, r *rand.Rand, from, text, typ string) bool {
	for ctx.Err() == nil {
		before := k.tr.inbound.Load()
		k.tr.abandoned.Store(false)
		res, err := k.client.SandboxInbound(ctx, redcloud.SandboxInbound{NumberID: demoNumber, From: from, Text: text})
		k.mu.Lock()
		k.attempts[from] += int(k.tr.inbound.Load() - before)
		if k.tr.abandoned.Load() {
			k.tainted[from] = true
		}
		if err == nil {
			k.acks = append(k.acks, inboundAck{messageID: res.MessageID, from: from, text: text})
			switch typ {
			case webhook.KeywordOptOut:
				k.optedOut[from] = true
			case webhook.KeywordOptIn:
				k.optedOut[from] = false
			}
			k.mu.Unlock()
			return true
		}
		k.mu.Unlock()
		if ctx.Err() != nil {
			return false
		}
		var ra *redcloud.RetryAfterError
		if redcloud.Advise(err) != redcloud.Retry && !errors.As(err, &ra) {
			k.d.problem("inbound %q from %s: %s: %v", text, from, redcloud.Classify(err), err)
		}
		sleepCtx(ctx, time.Duration(100+r.IntN(300))*time.Millisecond)
	}
	return false
}

// newOp is a send to person to and one ordinary recipient, registered with
// the driver, carrying what is known of the person's state.
func (k *keywords) newOp(r *rand.Rand, to string) *op {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.next++
	key := fmt.Sprintf("kw-%d", k.next)
	o := &op{n: k.next, key: key, kw: &keywordSend{to: to, optedOut: k.optedOut[to], certain: !k.tainted[to]},
		req: redcloud.SendRequest{SendFrom: demoNumber, To: []string{to, fmt.Sprintf("+1555%07d", r.IntN(10_000_000))},
			MessageType: "SMS", Text: fmt.Sprintf("chaos %s keyword operation %d", k.d.run, k.next), ExternalReference: key}}
	k.last[to] = o
	k.d.mu.Lock()
	k.d.ops[key] = o
	k.d.mu.Unlock()
	return o
}

// keywordFigures are what the keyword checks counted.
type keywordFigures struct {
	inbound, replies, refused, failedOptedOut, replays int
	uncertain                                          int // people with an abandoned keyword request
}

func (f keywordFigures) String() string {
	return fmt.Sprintf("keyword inbound %d, replies %d, sends refused recipient_opted_out %d, failed RECIPIENT_OPTED_OUT %d, "+
		"replays across a keyword %d, people whose state became uncertain %d", f.inbound, f.replies, f.refused, f.failedOptedOut, f.replays, f.uncertain)
}

// checkKeywords verifies the keyword traffic of a settled run:
//   - every acknowledged keyword is stored once as an inbound message with
//     its text, and no person has more inbound messages than requests made;
//   - each inbound keyword has exactly one keyword reply, to its sender, with
//     the text for its type (the client's own STOP reply), in the same
//     transaction (same creation time); no reply without its keyword;
//   - each reply DELIVERED, with its events but no webhook delivery, and the
//     receiver never saw one of its events;
//   - message.inbound names the keyword's type;
//   - a send begun after the person's STOP was acknowledged (with nothing
//     abandoned since) refused them with recipient_opted_out, or its message
//     to them failed RECIPIENT_OPTED_OUT: never delivered; a send begun while
//     they were opted in accepted them.
func checkKeywords(v *violations, k *keywords, ops map[string]*op, messages map[string]*dbMessage,
	byMessage map[string][]*dbEvent, deliveries map[string][]string, rc *receiver) keywordFigures {
	k.mu.Lock()
	defer k.mu.Unlock()
	var f keywordFigures
	f.replays, f.uncertain = k.replays, len(k.tainted)

	type sent struct {
		to      string
		created int64
	}
	inbound := map[sent][]*dbMessage{}
	replies := map[sent][]*dbMessage{}
	perPerson := map[string]int{}
	for _, m := range messages {
		switch {
		case m.direction == platform.Inbound:
			f.inbound++
			perPerson[m.from]++
			inbound[sent{m.from, m.created}] = append(inbound[sent{m.from, m.created}], m)
		case m.keywordReply:
			f.replies++
			replies[sent{m.to, m.created}] = append(replies[sent{m.to, m.created}], m)
		}
	}
	for _, a := range k.acks {
		m := messages[a.messageID]
		if m == nil || m.direction != platform.Inbound || m.from != a.from || m.text != a.text {
			v.add("acknowledged keyword not stored", "%s %q from %s: %+v", a.messageID, a.text, a.from, m)
		}
	}
	for person, n := range perPerson {
		if !isKeywordRecipient(person) {
			v.add("inbound message from nobody who texted", "%s: %d", person, n)
		} else if n > k.attempts[person] {
			v.add("more inbound messages than requests", "%s: %d stored, %d requests", person, n, k.attempts[person])
		}
	}
	for at, ms := range inbound {
		for _, m := range ms {
			typ := keywordType(m.text)
			if evs := byMessage[m.id]; len(evs) != 1 || evs[0].keyword != typ {
				v.add("message.inbound without its keyword", "%s %q: events %d, keyword %q", m.id, m.text, len(evs), keywordOf(evs))
			}
		}
		rs := replies[at]
		if len(rs) != len(ms) {
			v.add("keyword inbound without exactly one reply", "%s at %d: %d inbound, %d replies", at.to, at.created, len(ms), len(rs))
			continue
		}
		for _, m := range ms {
			want := keywordType(m.text)
			if !slices.ContainsFunc(rs, func(r *dbMessage) bool { return replyType(r.text) == want }) {
				v.add("keyword reply with the wrong text", "%s %q: replies %q", m.id, m.text, texts(rs))
			}
		}
	}
	for at, rs := range replies {
		if len(inbound[at]) == 0 {
			v.add("keyword reply without a keyword", "%d to %s at %d", len(rs), at.to, at.created)
		}
		for _, r := range rs {
			if r.status != redcloud.MessageDelivered || len(byMessage[r.id]) != 3 {
				v.add("keyword reply not delivered", "%s to %s: %s %s, %d events", r.id, r.to, r.status, r.failure, len(byMessage[r.id]))
			}
			for _, e := range byMessage[r.id] {
				if len(deliveries[e.id]) != 0 || rc.events[e.id] != nil {
					v.add("keyword reply emitted a webhook", "%s (%s of %s)", e.id, e.typ, r.id)
				}
			}
		}
	}

	for _, o := range ops {
		if o.kw == nil || !o.accepted {
			continue
		}
		refused := slices.ContainsFunc(o.errors, func(e redcloud.RecipientError) bool { return e.To == o.kw.to })
		var m *dbMessage
		for _, a := range o.results {
			if a.To == o.kw.to {
				m = messages[a.MessageID]
			}
		}
		failedOut := m != nil && m.status == redcloud.MessageFailed && m.failure == redcloud.FailureRecipientOptedOut
		if refused {
			f.refused++
		}
		if failedOut {
			f.failedOptedOut++
		}
		switch {
		case o.kw.optedOut && m != nil && m.status == redcloud.MessageDelivered:
			v.add("message to an opted-out person delivered", "%s to %s (certain %v)", o.key, o.kw.to, o.kw.certain)
		case o.kw.optedOut && o.kw.certain && !refused && !failedOut:
			v.add("send to an opted-out person neither refused nor failed RECIPIENT_OPTED_OUT", "%s to %s: %+v", o.key, o.kw.to, m)
		case !o.kw.optedOut && o.kw.certain && refused:
			v.add("send to an opted-in person refused", "%s to %s", o.key, o.kw.to)
		}
	}
	return f
}

func keywordOf(evs []*dbEvent) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.keyword)
	}
	return strings.Join(out, ",")
}

func texts(ms []*dbMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.text)
	}
	return out
}
