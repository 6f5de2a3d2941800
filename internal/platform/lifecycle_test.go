package platform_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/webhook"
)

// allStatuses is every message status and "" (a message not yet stored).
var allStatuses = []string{"", redcloud.MessageQueued, redcloud.MessageSent, redcloud.MessageDelivered,
	redcloud.MessageFailed, redcloud.MessageReceived}

// seqAt is the sequence of a message's last event when it reaches a status
// by the contract's path (CONTRACT §6); FAILED is reached at 2 or 3, and
// nothing leaves it, so it needs none.
var seqAt = map[string]int64{"": 0, redcloud.MessageQueued: 1, redcloud.MessageSent: 2,
	redcloud.MessageDelivered: 3, redcloud.MessageFailed: 3, redcloud.MessageReceived: 1}

// TestTransitionTable checks every pair of statuses: the legal moves of
// CONTRACT §6 emit their one event with the next sequence; every other pair,
// staying put included, is refused.
func TestTransitionTable(t *testing.T) {
	type legal struct {
		event string
		seq   int64
	}
	want := map[[2]string]legal{
		{"", redcloud.MessageQueued}:                      {webhook.TypeQueued, 1},
		{redcloud.MessageQueued, redcloud.MessageSent}:    {webhook.TypeSent, 2},
		{redcloud.MessageQueued, redcloud.MessageFailed}:  {webhook.TypeFailed, 2},
		{redcloud.MessageSent, redcloud.MessageDelivered}: {webhook.TypeDelivery, 3},
		{redcloud.MessageSent, redcloud.MessageFailed}:    {webhook.TypeFailed, 3},
		{"", redcloud.MessageReceived}:                    {webhook.TypeInbound, 1},
	}
	pairs := 0
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			pairs++
			w, ok := want[[2]string{from, to}]
			typ, got := platform.TransitionEvent(from, to)
			if got != ok || typ != w.event {
				t.Errorf("TransitionEvent(%q, %q) = %q, %v; want %q, %v", from, to, typ, got, w.event, ok)
				continue
			}
			// The same verdict from the store's guard, with the sequence.
			m := platform.Message{ID: "msg_x", Status: to, Sequence: seqAt[from] + 1}
			e := platform.Event{MessageID: "msg_x", Type: typ, Sequence: m.Sequence}
			if !ok {
				e.Type = webhook.TypeFailed // any event: the move itself is wrong
			}
			s := platform.Step{Message: m, FromStatus: from, FromSequence: seqAt[from], Event: &e}
			if err := s.Check(); (err == nil) != ok {
				t.Errorf("Check(%q → %q) = %v, legal %v", from, to, err, ok)
			}
			if ok && m.Sequence != w.seq {
				t.Errorf("%q → %q: sequence %d, want %d", from, to, m.Sequence, w.seq)
			}
		}
	}
	if pairs != 36 {
		t.Fatalf("checked %d pairs, want 36", pairs)
	}
}

func TestTerminal(t *testing.T) {
	for _, s := range allStatuses {
		want := s == redcloud.MessageDelivered || s == redcloud.MessageFailed || s == redcloud.MessageReceived
		if got := platform.Terminal(s); got != want {
			t.Errorf("Terminal(%q) = %v, want %v", s, got, want)
		}
	}
	if platform.Terminal("SOMETHING") {
		t.Error("an unknown status is terminal")
	}
}

// stepCase is one lifecycle function applied to a message.
type stepCase struct {
	name      string
	from      string // the only status it applies to
	to        string
	event     string // "" for none (a retry)
	failure   string
	attempted bool // counts a provider attempt
	ref       string
	do        func(platform.Message, time.Time) (platform.Step, error)
}

var at = time.Date(2026, 11, 26, 7, 4, 25, 456_000_000, time.UTC)

var stepCases = []stepCase{
	{name: "sent", from: redcloud.MessageQueued, to: redcloud.MessageSent, event: webhook.TypeSent, attempted: true, ref: "sbx_1",
		do: func(m platform.Message, now time.Time) (platform.Step, error) { return platform.Sent(m, "sbx_1", now) }},
	{name: "retry", from: redcloud.MessageQueued, to: redcloud.MessageQueued, attempted: true,
		do: func(m platform.Message, now time.Time) (platform.Step, error) {
			return platform.Retry(m, at.Add(time.Minute), now)
		}},
	// A throttled send goes back to the queue: no attempt, no event.
	{name: "requeue", from: redcloud.MessageQueued, to: redcloud.MessageQueued,
		do: func(m platform.Message, now time.Time) (platform.Step, error) {
			return platform.Requeue(m, at.Add(time.Minute), now)
		}},
	{name: "unrouted", from: redcloud.MessageQueued, to: redcloud.MessageFailed, event: webhook.TypeFailed,
		failure: redcloud.FailureNoRoute,
		do: func(m platform.Message, now time.Time) (platform.Step, error) {
			return platform.Unrouted(m, "number num_a has no provider route and there is no default provider", now)
		}},
	{name: "rejected", from: redcloud.MessageQueued, to: redcloud.MessageFailed, event: webhook.TypeFailed,
		failure: redcloud.FailureInvalidDestination, attempted: true,
		do: func(m platform.Message, now time.Time) (platform.Step, error) {
			return platform.Rejected(m, redcloud.FailureInvalidDestination, "no such number", "", now)
		}},
	{name: "rejected with a code outside the contract", from: redcloud.MessageQueued, to: redcloud.MessageFailed,
		event: webhook.TypeFailed, failure: redcloud.FailureCarrierRejected, attempted: true,
		do: func(m platform.Message, now time.Time) (platform.Step, error) {
			return platform.Rejected(m, "ESME_RINVDSTADR", "no such number", "command_status 0x0000000B", now)
		}},
	{name: "exhausted", from: redcloud.MessageQueued, to: redcloud.MessageFailed, event: webhook.TypeFailed,
		failure: redcloud.FailureUpstreamUnavailable, attempted: true,
		do: func(m platform.Message, now time.Time) (platform.Step, error) { return platform.Exhausted(m, now) }},
	{name: "expired", from: redcloud.MessageQueued, to: redcloud.MessageFailed, event: webhook.TypeFailed,
		failure: redcloud.FailureExpired,
		do:      func(m platform.Message, now time.Time) (platform.Step, error) { return platform.Expired(m, now) }},
	{name: "withheld: sender suspended", from: redcloud.MessageQueued, to: redcloud.MessageFailed, event: webhook.TypeFailed,
		failure: redcloud.FailureSenderSuspended,
		do: func(m platform.Message, now time.Time) (platform.Step, error) {
			return platform.Withheld(m, redcloud.FailureSenderSuspended, "the API client is suspended", now)
		}},
	{name: "withheld: number unassigned", from: redcloud.MessageQueued, to: redcloud.MessageFailed, event: webhook.TypeFailed,
		failure: redcloud.FailureNumberUnassigned,
		do: func(m platform.Message, now time.Time) (platform.Step, error) {
			return platform.Withheld(m, redcloud.FailureNumberUnassigned, "no longer assigned", now)
		}},
	{name: "delivered", from: redcloud.MessageSent, to: redcloud.MessageDelivered, event: webhook.TypeDelivery, ref: "sbx_1",
		do: func(m platform.Message, now time.Time) (platform.Step, error) { return platform.Delivered(m, now) }},
	{name: "undelivered", from: redcloud.MessageSent, to: redcloud.MessageFailed, event: webhook.TypeFailed,
		failure: redcloud.FailureCarrierRejected, ref: "sbx_1",
		do: func(m platform.Message, now time.Time) (platform.Step, error) {
			return platform.Undelivered(m, redcloud.FailureCarrierRejected, "carrier rejected", "stat:REJECTD err:002", now)
		}},
	{name: "undelivered without a code", from: redcloud.MessageSent, to: redcloud.MessageFailed, event: webhook.TypeFailed,
		failure: redcloud.FailureUndeliverable, ref: "sbx_1",
		do: func(m platform.Message, now time.Time) (platform.Step, error) {
			return platform.Undelivered(m, "", "no route", "", now)
		}},
}

// messageAt is an outbound message that reached status by the contract's path.
func messageAt(status string) platform.Message {
	due := at.Add(-time.Second)
	m := platform.Message{ID: "msg_x", APIClientID: "rc_a", NumberID: "num_a", Direction: platform.Outbound,
		From: "+15551234567", To: "+15551230000", MessageType: "SMS", Text: "hi", MediaURLs: []string{},
		ExternalReference: "order_789", Status: status, Sequence: seqAt[status], Attempts: 2,
		ExpiresAt: at.Add(time.Hour), CreatedAt: at.Add(-time.Minute), UpdatedAt: at.Add(-time.Second)}
	switch status {
	case redcloud.MessageQueued:
		m.NextAttemptAt = &due
	case redcloud.MessageSent, redcloud.MessageDelivered:
		m.ProviderRef = "sbx_1"
	}
	return m
}

// TestSteps applies every lifecycle function to a message in every status:
// from its own status it makes exactly the contract's move; from any other
// it is refused with a *TransitionError.
func TestSteps(t *testing.T) {
	for _, c := range stepCases {
		for _, from := range allStatuses[1:] {
			t.Run(fmt.Sprintf("%s from %s", c.name, from), func(t *testing.T) {
				m := messageAt(from)
				s, err := c.do(m, at)
				if from != c.from {
					var te *platform.TransitionError
					if !errors.As(err, &te) || te.From != from || te.To != c.to || te.MessageID != m.ID {
						t.Fatalf("got %+v, %v; want a TransitionError %s → %s", s, err, from, c.to)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				checkStep(t, c, m, s)
			})
		}
	}
}

func checkStep(t *testing.T, c stepCase, m platform.Message, s platform.Step) {
	t.Helper()
	if err := s.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	n := s.Message
	if s.FromStatus != m.Status || s.FromSequence != m.Sequence {
		t.Errorf("from %s/%d, want %s/%d", s.FromStatus, s.FromSequence, m.Status, m.Sequence)
	}
	wantAttempts := m.Attempts
	if c.attempted {
		wantAttempts++
	}
	if n.Status != c.to || n.Attempts != wantAttempts || n.ProviderRef != c.ref || n.FailureCode != c.failure ||
		!n.UpdatedAt.Equal(at) || n.ID != m.ID || n.To != m.To || n.CreatedAt != m.CreatedAt {
		t.Errorf("message = %+v", n)
	}
	if c.failure != "" && n.FailureMessage == "" {
		t.Error("failure without a message")
	}
	switch {
	case c.to == redcloud.MessageQueued:
		if n.NextAttemptAt == nil || !n.NextAttemptAt.Equal(at.Add(time.Minute)) {
			t.Errorf("retry due at %v, want %v", n.NextAttemptAt, at.Add(time.Minute))
		}
	case n.NextAttemptAt != nil:
		t.Errorf("%s message still due for the provider at %v", n.Status, n.NextAttemptAt)
	}
	if c.event == "" {
		if s.Event != nil || n.Sequence != m.Sequence {
			t.Errorf("a retry emitted %+v, sequence %d → %d", s.Event, m.Sequence, n.Sequence)
		}
		return
	}
	e := s.Event
	if e == nil || e.Type != c.event || e.Sequence != m.Sequence+1 || n.Sequence != e.Sequence || e.MessageID != m.ID ||
		e.APIClientID != m.APIClientID || !e.CreatedAt.Equal(at) {
		t.Fatalf("event = %+v, want %s at sequence %d", e, c.event, m.Sequence+1)
	}
	ev, err := webhook.ParseEvent(e.Body)
	if err != nil {
		t.Fatalf("event body: %v", err)
	}
	if ev.EventID != e.ID || ev.Type != c.event || ev.Sequence != e.Sequence || ev.Status != c.to ||
		ev.Terminal != platform.Terminal(c.to) || ev.ProviderMessageRef != c.ref || ev.ExternalReference != "order_789" {
		t.Errorf("event body = %+v", ev)
	}
	if (ev.Failure == nil) != (c.failure == "") || ev.Failure != nil && ev.Failure.Code != c.failure {
		t.Errorf("event failure = %+v, want %q", ev.Failure, c.failure)
	}
}

// TestBirth: a new message starts at sequence 1 with its first event,
// whatever it was built with.
func TestBirth(t *testing.T) {
	for _, c := range []struct {
		name   string
		do     func(platform.Message, time.Time) (platform.Message, platform.Event)
		status string
		event  string
	}{
		{"accepted", platform.Accepted, redcloud.MessageQueued, webhook.TypeQueued},
		{"received", platform.Received, redcloud.MessageReceived, webhook.TypeInbound},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, e := c.do(platform.Message{ID: "msg_x", APIClientID: "rc_a", Status: redcloud.MessageFailed, Sequence: 7}, at)
			if m.Status != c.status || m.Sequence != 1 || !m.UpdatedAt.Equal(at) {
				t.Errorf("message = %+v", m)
			}
			if e.Type != c.event || e.Sequence != 1 || e.MessageID != "msg_x" {
				t.Errorf("event = %+v", e)
			}
			ev, err := webhook.ParseEvent(e.Body)
			if err != nil || ev.Type != c.event || ev.Sequence != 1 || ev.Terminal != platform.Terminal(c.status) {
				t.Errorf("event body = %+v, %v", ev, err)
			}
		})
	}
}

// TestStepCheck: the store's guard refuses steps that were not built by the
// lifecycle functions.
func TestStepCheck(t *testing.T) {
	ok, err := platform.Sent(messageAt(redcloud.MessageQueued), "sbx_1", at)
	if err != nil {
		t.Fatal(err)
	}
	retry, err := platform.Retry(messageAt(redcloud.MessageQueued), at, at)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(s platform.Step, f func(*platform.Step)) platform.Step {
		e := *s.Event
		s.Event = &e
		f(&s)
		return s
	}
	tests := []struct {
		name string
		step platform.Step
		ok   bool
	}{
		{"sent", ok, true},
		{"retry", retry, true},
		{"wrong event", edit(ok, func(s *platform.Step) { s.Event.Type = webhook.TypeDelivery }), false},
		{"sequence skipped", edit(ok, func(s *platform.Step) { s.Message.Sequence++; s.Event.Sequence++ }), false},
		{"event sequence differs", edit(ok, func(s *platform.Step) { s.Event.Sequence++ }), false},
		{"event of another message", edit(ok, func(s *platform.Step) { s.Event.MessageID = "msg_y" }), false},
		{"status change without an event", func() platform.Step { s := ok; s.Event = nil; return s }(), false},
		{"retry that moves the sequence", func() platform.Step { s := retry; s.Message.Sequence++; return s }(), false},
		{"retry of a SENT message", func() platform.Step {
			s := retry
			s.FromStatus, s.Message.Status = redcloud.MessageSent, redcloud.MessageSent
			return s
		}(), false},
	}
	for _, tt := range tests {
		err := tt.step.Check()
		if (err == nil) != tt.ok {
			t.Errorf("%s: Check = %v, want ok %v", tt.name, err, tt.ok)
		}
		var te *platform.TransitionError
		if err != nil && !errors.As(err, &te) {
			t.Errorf("%s: %T, want *TransitionError", tt.name, err)
		}
	}
}

func TestFailureCodes(t *testing.T) {
	for _, c := range []string{"INVALID_DESTINATION", "CARRIER_REJECTED", "UNDELIVERABLE", "CONTENT_REJECTED",
		"UPSTREAM_UNAVAILABLE", "EXPIRED", "SENDER_SUSPENDED", "NUMBER_UNASSIGNED", "RECIPIENT_OPTED_OUT", "NO_ROUTE"} {
		if !platform.ValidFailureCode(c) {
			t.Errorf("%s is not a failure code", c)
		}
	}
	if len(platform.FailureCodes) != 10 {
		t.Errorf("FailureCodes = %v, want the contract's 6, the 3 withholding codes and NO_ROUTE", platform.FailureCodes)
	}
	// A provider cannot claim a withholding code: it becomes CARRIER_REJECTED.
	for _, code := range []string{redcloud.FailureSenderSuspended, redcloud.FailureNoRoute} {
		s, err := platform.Rejected(messageAt(redcloud.MessageQueued), code, "x", "", at)
		if err != nil || s.Message.FailureCode != redcloud.FailureCarrierRejected {
			t.Errorf("Rejected with %s: %v, %v; want CARRIER_REJECTED", code, s.Message.FailureCode, err)
		}
	}
	for _, c := range []string{"", "invalid_destination", "FAILED"} {
		if platform.ValidFailureCode(c) {
			t.Errorf("%q is a failure code", c)
		}
	}
}

// TestWithheldOnlyWithholdingCodes: a provider's or carrier's code cannot
// be passed off as a withholding.
func TestWithheldOnlyWithholdingCodes(t *testing.T) {
	if _, err := platform.Withheld(messageAt(redcloud.MessageQueued), redcloud.FailureCarrierRejected, "x", at); err == nil {
		t.Error("Withheld accepted CARRIER_REJECTED")
	}
}

// TestSenderBlock: every reason a queued message may no longer go out.
func TestSenderBlock(t *testing.T) {
	m := messageAt(redcloud.MessageQueued)
	ok := platform.APIClient{ID: m.APIClientID, Status: redcloud.StatusActive, AccountStatus: redcloud.StatusActive}
	num := platform.Number{ID: m.NumberID, APIClientID: m.APIClientID, Status: redcloud.StatusActive}
	for _, tt := range []struct {
		name string
		edit func(*platform.APIClient, *platform.Number)
		want string
	}{
		{"all active", func(*platform.APIClient, *platform.Number) {}, ""},
		{"client suspended", func(c *platform.APIClient, _ *platform.Number) { c.Status = redcloud.StatusSuspended }, redcloud.FailureSenderSuspended},
		{"account suspended", func(c *platform.APIClient, _ *platform.Number) { c.AccountStatus = redcloud.StatusSuspended }, redcloud.FailureSenderSuspended},
		{"number suspended", func(_ *platform.APIClient, n *platform.Number) { n.Status = redcloud.StatusSuspended }, redcloud.FailureSenderSuspended},
		{"number unassigned", func(_ *platform.APIClient, n *platform.Number) { n.APIClientID = "" }, redcloud.FailureNumberUnassigned},
		{"number reassigned", func(_ *platform.APIClient, n *platform.Number) { n.APIClientID = "rc_other" }, redcloud.FailureNumberUnassigned},
	} {
		c, n := ok, num
		tt.edit(&c, &n)
		if code, text := platform.SenderBlock(m, c, n); code != tt.want || (code != "") != (text != "") {
			t.Errorf("%s: SenderBlock = %q, %q; want %q", tt.name, code, text, tt.want)
		}
	}
}
