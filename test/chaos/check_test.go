package chaos_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/webhook"
)

// violations collects the broken invariants of a run, a few examples each.
type violations struct {
	t     *testing.T
	count map[string]int
	ex    map[string][]string
}

func newViolations(t *testing.T) *violations {
	return &violations{t: t, count: map[string]int{}, ex: map[string][]string{}}
}

func (v *violations) add(what, format string, args ...any) {
	v.count[what]++
	if len(v.ex[what]) < 5 {
		v.ex[what] = append(v.ex[what], fmt.Sprintf(format, args...))
	}
}

func (v *violations) report() {
	v.t.Helper()
	keys := make([]string, 0, len(v.count))
	for k := range v.count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.t.Errorf("%s: %d, for example:\n  %s", k, v.count[k], strings.Join(v.ex[k], "\n  "))
	}
}

type dbMessage struct {
	id, key, direction, from, to, text, status, failure string
	keywordReply                                        bool
	created                                             int64
	sequence, attempts                                  int
}

type dbEvent struct {
	id, messageID, typ string
	sequence           int
	hash               [32]byte
	keyword            string // message.inbound: the keyword's type, if any
}

type checked struct {
	sends int // HTTP attempts on the send route
}

// check verifies the invariants of a settled run:
//   - every operation (idempotency key) accepted exactly once: one
//     idempotency record, whose stored messageIds, and the messages the
//     database holds under the key, are exactly those the client got; no
//     record or message under a key nobody sent;
//   - no message lost: each in its end state (DELIVERED, FAILED
//     CARRIER_REJECTED for +15005550002, SENT for +15005550004);
//   - sequences gapless, each step's event of the right type, no extra event;
//   - every event delivered (its delivery DELIVERED) and taken by the
//     receiver at least once, nothing the database does not hold, so exactly
//     once after de-duplication by eventId; every body taken byte-equal to the
//     stored one; every signature valid;
//   - the client never saw a server break its not_processed promise: the
//     first 2xx of a key is a replay only after an attempt whose outcome was
//     unknown, and every error response carries X-RedCloud-Outcome;
//   - the keyword traffic's invariants (checkKeywords). Inbound messages and
//     keyword replies have no key; a keyword reply's events have no delivery.
func check(t *testing.T, db *sql.DB, d *driver, k *keywords, rc *receiver, rec *recorder, f *figures) checked {
	t.Helper()
	v := newViolations(t)
	defer v.report()

	// The database.
	records := map[string][]string{} // key → stored messageIds
	recordCount := map[string]int{}
	rows, err := db.Query(`SELECT key, response FROM idempotency_keys`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var key string
		var body []byte
		if err := rows.Scan(&key, &body); err != nil {
			t.Fatal(err)
		}
		var resp redcloud.SendResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			v.add("unreadable stored response", "%s: %v", key, err)
		}
		recordCount[key]++
		for _, r := range resp.Results {
			records[key] = append(records[key], r.MessageID)
		}
	}
	rows.Close()

	messages := map[string]*dbMessage{}
	byKey := map[string][]string{}
	rows, err = db.Query(`SELECT id, idempotency_key, direction, from_e164, to_e164, text, keyword_reply, created_at,
		status, failure_code, sequence, attempts FROM messages`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		m := &dbMessage{}
		var reply int
		if err := rows.Scan(&m.id, &m.key, &m.direction, &m.from, &m.to, &m.text, &reply, &m.created,
			&m.status, &m.failure, &m.sequence, &m.attempts); err != nil {
			t.Fatal(err)
		}
		m.keywordReply = reply == 1
		messages[m.id] = m
		if m.key != "" {
			byKey[m.key] = append(byKey[m.key], m.id)
		}
		f.providerAttempts += m.attempts
	}
	rows.Close()

	events := map[string]*dbEvent{}
	byMessage := map[string][]*dbEvent{}
	rows, err = db.Query(`SELECT id, message_id, type, sequence, body FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		e := &dbEvent{}
		var body []byte
		if err := rows.Scan(&e.id, &e.messageID, &e.typ, &e.sequence, &body); err != nil {
			t.Fatal(err)
		}
		e.hash = sha256.Sum256(body)
		if e.typ == webhook.TypeInbound {
			var in struct {
				Keyword *webhook.Keyword `json:"keyword"`
			}
			if json.Unmarshal(body, &in) == nil && in.Keyword != nil {
				e.keyword = in.Keyword.Type
			}
		}
		events[e.id] = e
		byMessage[e.messageID] = append(byMessage[e.messageID], e)
	}
	rows.Close()

	deliveries := map[string][]string{} // event → states
	rows, err = db.Query(`SELECT event_id, state FROM deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, state string
		if err := rows.Scan(&id, &state); err != nil {
			t.Fatal(err)
		}
		deliveries[id] = append(deliveries[id], state)
	}
	rows.Close()

	d.mu.Lock()
	ops := make(map[string]*op, len(d.ops))
	for k, o := range d.ops {
		ops[k] = o
	}
	d.mu.Unlock()

	// Every operation accepted exactly once.
	for key, o := range ops {
		if !o.accepted {
			v.add("operation never accepted", "%s after %d calls", key, o.calls)
			f.lost++
			continue
		}
		if recordCount[key] != 1 {
			v.add("idempotency records per key not 1", "%s: %d records", key, recordCount[key])
		}
		if !slices.Equal(records[key], o.ids) {
			v.add("stored response differs from what the client got", "%s: stored %v, client %v", key, records[key], o.ids)
		}
		got := slices.Clone(byKey[key])
		slices.Sort(got)
		want := slices.Clone(o.ids)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			v.add("messages under a key differ from what the client got", "%s: database %v, client %v", key, got, want)
			if len(got) > len(want) {
				f.duplicated += len(got) - len(want)
			}
		}
		for _, a := range o.results {
			if m := messages[a.MessageID]; m == nil {
				v.add("accepted message missing", "%s: %s", key, a.MessageID)
				f.lost++
			} else if m.to != a.To || !slices.Contains(o.req.To, a.To) {
				v.add("message to the wrong recipient", "%s: %s to %s, accepted for %s", key, a.MessageID, m.to, a.To)
			}
		}
	}
	for key := range recordCount {
		if ops[key] == nil {
			v.add("idempotency record nobody sent", "%s", key)
		}
	}
	for key, ids := range byKey {
		if ops[key] == nil {
			v.add("messages under a key nobody sent", "%s: %v", key, ids)
			f.duplicated += len(ids)
		}
	}

	// Every message in its end state, with gapless, well-typed events.
	f.endStates = map[string]int{}
	for id, m := range messages {
		state := m.status
		if m.failure != "" {
			state += " " + m.failure
		}
		f.endStates[state]++
		want, wantEvents := "DELIVERED", 3
		switch {
		case m.direction == platform.Inbound || m.keywordReply:
			want, wantEvents = state, len(byMessage[id]) // checkKeywords
		case m.to == carrierRejected:
			want = "FAILED " + redcloud.FailureCarrierRejected
		case m.to == noReceipt:
			want, wantEvents = "SENT", 2
		case isKeywordRecipient(m.to) && state == "FAILED "+redcloud.FailureRecipientOptedOut:
			// The person's STOP landed after the acceptance.
			want, wantEvents = state, 2
		}
		switch {
		case m.status == redcloud.MessageQueued || m.status == redcloud.MessageSent && m.to != noReceipt:
			v.add("message lost (not in an end state)", "%s to %s: %s", id, m.to, state)
			f.lost++
		case state != want:
			v.add("message in an unexpected end state", "%s to %s: %s, want %s", id, m.to, state, want)
		}
		evs := byMessage[id]
		sort.Slice(evs, func(i, j int) bool { return evs[i].sequence < evs[j].sequence })
		for i, e := range evs {
			if e.sequence != i+1 {
				v.add("sequence gap or repeat", "%s: sequences %v", id, sequences(evs))
				break
			}
			if !stepType(e.sequence, e.typ, m.direction) {
				v.add("event of the wrong type for its step", "%s: sequence %d is %s", id, e.sequence, e.typ)
			}
		}
		if len(evs) != m.sequence {
			v.add("message sequence differs from its events", "%s: sequence %d, %d events", id, m.sequence, len(evs))
		}
		if state == want && len(evs) != wantEvents {
			v.add("wrong number of events", "%s to %s: %d events, want %d", id, m.to, len(evs), wantEvents)
			if len(evs) > wantEvents {
				f.duplicated += len(evs) - wantEvents
			}
		}
	}
	for id := range byMessage {
		if messages[id] == nil {
			v.add("event of an unknown message", "%s", id)
		}
	}

	// Every event delivered at least once, exactly once after de-duplication,
	// never changed, always signed.
	rc.mu.Lock()
	for id, e := range events {
		if m := messages[e.messageID]; m != nil && m.keywordReply {
			continue // no webhooks: checkKeywords
		}
		states := deliveries[id]
		if len(states) != 1 || states[0] != "DELIVERED" {
			v.add("delivery not DELIVERED", "%s (%s): %v", id, e.typ, states)
		}
		got := rc.events[id]
		if got == nil {
			v.add("event never reached the receiver", "%s (%s of %s)", id, e.typ, e.messageID)
			f.lost++
			continue
		}
		if got.hash != e.hash {
			v.add("event body changed", "%s (%s)", id, e.typ)
		}
		if got.messageID != e.messageID || got.sequence != e.sequence || got.typ != e.typ {
			v.add("event body does not match its row", "%s: received %s/%d/%s, stored %s/%d/%s", id,
				got.messageID, got.sequence, got.typ, e.messageID, e.sequence, e.typ)
		}
		f.deliveries += got.taken
		f.redone += got.taken - 1
	}
	for id, got := range rc.events {
		if events[id] == nil {
			v.add("receiver took an event the database does not hold", "%s (%s of %s)", id, got.typ, got.messageID)
			f.duplicated++
		}
	}
	if rc.changed != 0 {
		v.add("event delivered twice with different bytes", "%d deliveries", rc.changed)
	}
	if rc.badSig != 0 {
		v.add("delivery signature invalid", "%d deliveries", rc.badSig)
	}
	if rc.badHeader != 0 {
		v.add("delivery headers disagree with the body", "%d deliveries", rc.badHeader)
	}
	if k != nil {
		f.keywords = checkKeywords(v, k, ops, messages, byMessage, deliveries, rc)
	}
	rc.mu.Unlock()
	f.messages, f.events = len(messages), len(events)

	// What the client saw.
	var c checked
	all := rec.attempts()
	perKey := map[string][]attemptRec{}
	for _, a := range all {
		if a.path != "/api/core/messages/send" {
			continue
		}
		c.sends++
		perKey[a.key] = append(perKey[a.key], a)
		if a.status >= 400 && a.outcome != redcloud.OutcomeNotProcessed && !a.unknown {
			v.add("error response without X-RedCloud-Outcome: not_processed", "%s: %d at %s", a.key, a.status, a.end.Format(time.StampMilli))
		}
	}
	for key, as := range perKey {
		unknown := false
		for _, a := range as {
			if a.status >= 200 && a.status < 300 {
				if a.replayed && !unknown {
					v.add("server committed a request it answered not_processed",
						"%s: its first 2xx is a replay, and every earlier attempt was answered not_processed: %s", key, describe(as))
				}
				break
			}
			unknown = unknown || a.ambiguous()
		}
	}
	return c
}

// stepType reports whether an event of type typ may have sequence seq in a
// message of direction (CONTRACT §6).
func stepType(seq int, typ, direction string) bool {
	switch seq {
	case 1:
		if direction == platform.Inbound {
			return typ == webhook.TypeInbound
		}
		return typ == "message.queued"
	case 2:
		return typ == "message.sent" || typ == "message.failed"
	case 3:
		return typ == "message.delivery" || typ == "message.failed"
	}
	return false
}

func sequences(evs []*dbEvent) []int {
	out := make([]int, len(evs))
	for i, e := range evs {
		out[i] = e.sequence
	}
	return out
}

func describe(as []attemptRec) string {
	var parts []string
	for _, a := range as {
		s := fmt.Sprintf("%s %d %s", a.end.Format("15:04:05.000"), a.status, a.outcome)
		if a.err != nil {
			s += " " + a.err.Error()
		}
		if a.replayed {
			s += " replayed"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// checkOutage checks what the client and /readyz saw while PostgreSQL was
// down: every error response answered during the outage carries
// X-RedCloud-Outcome: not_processed (the rest failed in transport or timed
// out); /readyz said 503 during it and 200 again after it.
func checkOutage(t *testing.T, rec *recorder, ready []*readyLog, w window) {
	t.Helper()
	if w.from.IsZero() {
		return
	}
	var answered, refusedOK, transport, succeeded, succeededDown int
	firstOK := time.Time{}
	for _, a := range rec.attempts() {
		if a.path != "/api/core/messages/send" && a.path != "/api/auth/token" {
			continue
		}
		if a.end.After(w.to) && a.status >= 200 && a.status < 300 && a.path == "/api/core/messages/send" &&
			(firstOK.IsZero() || a.end.Before(firstOK)) {
			firstOK = a.end
		}
		if !w.has(a.end) {
			continue
		}
		switch {
		case a.err != nil:
			transport++
		case a.status >= 400:
			answered++
			if a.outcome == redcloud.OutcomeNotProcessed || a.unknown {
				refusedOK++ // not_processed, or an honest "outcome unknown" after a failed COMMIT
			} else {
				t.Errorf("during the PostgreSQL outage %s answered %d without X-RedCloud-Outcome: not_processed", a.path, a.status)
			}
		default:
			succeeded++
			if !a.start.Before(w.downFrom) && !a.end.After(w.downTo) {
				// Sent and answered while PostgreSQL was certainly down.
				succeededDown++
				t.Errorf("while PostgreSQL was down %s answered %d (sent %s, answered %s)", a.path, a.status,
					a.start.Format("15:04:05.000"), a.end.Format("15:04:05.000"))
			}
		}
	}
	recovered := "never"
	if !firstOK.IsZero() {
		recovered = firstOK.Sub(w.to).Round(time.Millisecond).String()
	}
	t.Logf("PostgreSQL outage (%v): %d error answers, all %d with not_processed; %d transport failures or timeouts; %d successes finishing in it (%d while certainly down); first accepted send %s after it",
		w.to.Sub(w.from).Round(time.Millisecond), answered, refusedOK, transport, succeeded, succeededDown, recovered)
	if firstOK.IsZero() {
		t.Errorf("no send accepted after the PostgreSQL outage")
	}
	for i, l := range ready {
		l.mu.Lock()
		down, upAfter, last := 0, time.Time{}, 0
		for j, at := range l.at {
			if w.has(at) && l.got[j] == 503 {
				down++
			}
			if at.After(w.to) && l.got[j] == 200 && upAfter.IsZero() {
				upAfter = at
			}
			last = l.got[j]
		}
		l.mu.Unlock()
		if down == 0 {
			t.Errorf("process %d: /readyz never answered 503 during the outage", i)
		}
		if upAfter.IsZero() || last != 200 {
			t.Errorf("process %d: /readyz not 200 after the outage (last %d)", i, last)
			continue
		}
		t.Logf("process %d: /readyz 503 ×%d during the outage, 200 again %v after it", i, down, upAfter.Sub(w.to).Round(time.Millisecond))
	}
}
