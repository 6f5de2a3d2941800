package platform_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/webhook"
)

// acceptInput is a valid send of text to three recipients, one of them
// rejected.
func acceptInput(t *testing.T) platform.AcceptInput {
	t.Helper()
	send := decodeOK(t, `{"sendFrom":"num_abc123","to":["+15551234567","bad","+15557654321","+15005550001"],
		"messageType":"SMS","text":"hello","externalReference":"order_789"}`)
	ok, bad := platform.CheckRecipients(send.To)
	return platform.AcceptInput{
		Client: platform.APIClient{ID: "rc_test_client_123", DeliveryURL: ptr("https://client.example/d")},
		Number: platform.Number{ID: "num_abc123", E164: "+15551234567", APIClientID: "rc_test_client_123", Status: redcloud.StatusActive},
		Send:   send, Key: "idem_order_789", Recipients: ok, Errors: bad,
		// Not UTC, not whole milliseconds: both are normalised.
		Now:    time.Date(2026, 11, 26, 7, 4, 24, 123456789, time.FixedZone("CET", 3600)),
		KeyTTL: 24 * time.Hour, Validity: 4 * time.Hour,
	}
}

func TestNewAcceptance(t *testing.T) {
	in := acceptInput(t)
	now := in.Now.UTC().Truncate(time.Millisecond)
	a := platform.NewAcceptance(in)

	if len(a.Messages) != 3 || len(a.Events) != 3 || len(a.Deliveries) != 3 {
		t.Fatalf("got %d messages, %d events, %d deliveries, want 3 each", len(a.Messages), len(a.Events), len(a.Deliveries))
	}
	ids := map[string]bool{}
	for i, m := range a.Messages {
		r := in.Recipients[i]
		if !msgID.MatchString(m.ID) {
			t.Errorf("message id %q is not msg_ + lower-case ULID", m.ID)
		}
		if ids[m.ID] {
			t.Errorf("message id %q repeated", m.ID)
		}
		ids[m.ID] = true
		want := platform.Message{
			ID: m.ID, APIClientID: "rc_test_client_123", NumberID: "num_abc123", Direction: platform.Outbound,
			From: "+15551234567", To: r.To, MessageType: "SMS", Text: "hello", MediaURLs: []string{},
			ExternalReference: "order_789", IdempotencyKey: "idem_order_789", Status: redcloud.MessageQueued,
			Sequence: 1, NextAttemptAt: &now, ExpiresAt: now.Add(4 * time.Hour), CreatedAt: now, UpdatedAt: now,
			Encoding: redcloud.EncodingGSM7, Segments: 1, NonGSMCharacters: []string{},
		}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("message %d =\n%+v\nwant\n%+v", i, m, want)
		}

		e := a.Events[i]
		if !evtID.MatchString(e.ID) || e.MessageID != m.ID || e.APIClientID != m.APIClientID ||
			e.Type != webhook.TypeQueued || e.Sequence != 1 || !e.CreatedAt.Equal(now) {
			t.Errorf("event %d = %+v", i, e)
		}
		ev, err := webhook.ParseEvent(e.Body)
		if err != nil {
			t.Fatalf("event %d body does not parse: %v\n%s", i, err, e.Body)
		}
		wantEv := webhook.Event{
			EventID: e.ID, Type: webhook.TypeQueued, CreatedAt: now, APIClientID: m.APIClientID, Sequence: 1,
			MessageID: m.ID, ExternalReference: "order_789", NumberID: m.NumberID, From: m.From, To: m.To,
			MessageType: "SMS", Encoding: redcloud.EncodingGSM7, Segments: 1, Status: redcloud.MessageQueued,
		}
		ev.MediaURLs = nil // not sent in lifecycle events
		if !reflect.DeepEqual(ev, wantEv) {
			t.Errorf("event %d body =\n%+v\nwant\n%+v", i, ev, wantEv)
		}

		d := a.Deliveries[i]
		if d.EventID != e.ID || d.APIClientID != m.APIClientID || d.State != platform.DeliveryPending ||
			d.URL != "https://client.example/d" || d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(now) || d.Attempts != 0 {
			t.Errorf("delivery %d = %+v", i, d)
		}
	}

	// The stored response is the 202 body.
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(a.Record.Response, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp) != 2 || resp["results"] == nil || resp["errors"] == nil {
		t.Fatalf("response = %s, want exactly results and errors", a.Record.Response)
	}
	var body redcloud.SendResponse
	if err := json.Unmarshal(a.Record.Response, &body); err != nil {
		t.Fatal(err)
	}
	wantResults := make([]redcloud.AcceptedRecipient, len(a.Messages))
	for i, m := range a.Messages {
		gsm7 := redcloud.EncodingGSM7
		wantResults[i] = redcloud.AcceptedRecipient{To: m.To, MessageID: m.ID, Status: redcloud.MessageQueued,
			Encoding: &gsm7, Segments: 1}
	}
	if !reflect.DeepEqual(body.Results, wantResults) {
		t.Errorf("results = %+v, want %+v", body.Results, wantResults)
	}
	wantErrors := []redcloud.RecipientError{{To: "bad", Index: 1, Code: redcloud.CodeInvalidRequest, Message: platform.MsgBadRecipient}}
	if !reflect.DeepEqual(body.Errors, wantErrors) {
		t.Errorf("errors = %+v, want %+v", body.Errors, wantErrors)
	}

	wantRecord := platform.IdempotencyRecord{
		APIClientID: "rc_test_client_123", Key: "idem_order_789", Fingerprint: platform.Fingerprint(in.Send.Canonical()),
		Payload: in.Send.Canonical(), Status: 202, Response: a.Record.Response,
		CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}
	if !reflect.DeepEqual(a.Record, wantRecord) {
		t.Errorf("record =\n%+v\nwant\n%+v", a.Record, wantRecord)
	}
}

func TestNewAcceptanceResponseShape(t *testing.T) {
	in := acceptInput(t)
	in.Recipients = []platform.Recipient{{To: "+15551234567", Index: 0}}
	in.Errors = nil
	a := platform.NewAcceptance(in)
	want := `{"results":[{"to":"+15551234567","messageId":"` + a.Messages[0].ID + `","status":"QUEUED","encoding":"GSM-7","segments":1}],"errors":[]}`
	if string(a.Record.Response) != want {
		t.Errorf("response =\n%s\nwant\n%s", a.Record.Response, want)
	}
}

func TestNewAcceptanceRouting(t *testing.T) {
	tests := []struct {
		name      string
		clientURL *string
		override  *string
		wantURL   string
		wantState string
	}{
		{"number override wins", ptr("https://client.example/d"), ptr("https://num.example/d"), "https://num.example/d", platform.DeliveryPending},
		{"override alone", nil, ptr("https://num.example/d"), "https://num.example/d", platform.DeliveryPending},
		{"client URL", ptr("https://client.example/d"), nil, "https://client.example/d", platform.DeliveryPending},
		{"neither", nil, nil, "", platform.DeliveryNoEndpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := acceptInput(t)
			in.Client.DeliveryURL = tt.clientURL
			in.Client.InboundURL = ptr("https://wrong.example/inbound")
			in.Number.WebhookDeliveryOverride = tt.override
			in.Number.WebhookInboundOverride = ptr("https://wrong.example/inbound-override")
			a := platform.NewAcceptance(in)
			for i, d := range a.Deliveries {
				if d.URL != tt.wantURL || d.State != tt.wantState {
					t.Errorf("delivery %d to %q in %s, want %q in %s", i, d.URL, d.State, tt.wantURL, tt.wantState)
				}
				if due := d.NextAttemptAt != nil; due != (tt.wantState == platform.DeliveryPending) {
					t.Errorf("delivery %d: due = %v in state %s", i, due, d.State)
				}
			}
		})
	}
}

func TestNewLifecycleEventFailed(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	m := platform.Message{ID: "msg_x", APIClientID: "rc_a", NumberID: "num_a", From: "+15551234567", To: "+15005550002",
		MessageType: "SMS", Status: redcloud.MessageFailed, Sequence: 3, ProviderRef: "sbx_1",
		FailureCode: "CARRIER_REJECTED", FailureMessage: "rejected"}
	e := platform.NewLifecycleEvent(m, webhook.TypeFailed, now)
	ev, err := webhook.ParseEvent(e.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !ev.Terminal || ev.Sequence != 3 || ev.Status != redcloud.MessageFailed || ev.ProviderMessageRef != "sbx_1" ||
		ev.Failure == nil || *ev.Failure != (webhook.Failure{Code: "CARRIER_REJECTED", Message: "rejected"}) || ev.ExternalReference != "" {
		t.Errorf("failed event = %+v", ev)
	}
	if !bytes.Contains(e.Body, []byte(`"externalReference":null`)) {
		t.Errorf("empty externalReference not sent as null: %s", e.Body)
	}
}

// TestFailureProviderCode: a provider's raw status reaches failure.providerCode
// of the message.failed body; absent when the provider gave none.
func TestFailureProviderCode(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sent := platform.Message{ID: "msg_x", APIClientID: "rc_a", NumberID: "num_a", From: "+15551234567", To: "+15551230000",
		MessageType: "SMS", Status: redcloud.MessageSent, Sequence: 2, ProviderRef: "5f2a"}
	s, err := platform.Undelivered(sent, redcloud.FailureUndeliverable, "undeliverable", "stat:UNDELIV err:001", now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Message.FailureProviderCode != "stat:UNDELIV err:001" {
		t.Errorf("message providerCode = %q", s.Message.FailureProviderCode)
	}
	if !bytes.Contains(s.Event.Body, []byte(`"providerCode":"stat:UNDELIV err:001"`)) {
		t.Errorf("body lacks providerCode: %s", s.Event.Body)
	}
	queued := sent
	queued.Status, queued.Sequence = redcloud.MessageQueued, 1
	s, err = platform.Rejected(queued, redcloud.FailureInvalidDestination, "bad number", "command_status 0x0000000B", now)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := webhook.ParseEvent(s.Event.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Failure == nil || ev.Failure.ProviderCode != "command_status 0x0000000B" || ev.Failure.Code != redcloud.FailureInvalidDestination {
		t.Errorf("failure = %+v", ev.Failure)
	}
	s, err = platform.Expired(queued, now)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(s.Event.Body, []byte("providerCode")) {
		t.Errorf("providerCode present without a provider status: %s", s.Event.Body)
	}
}
