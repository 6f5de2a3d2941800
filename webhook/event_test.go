package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/webhook"
)

// createdAt has sub-millisecond digits that the wire format drops.
var createdAt = time.Date(2026, 11, 26, 7, 4, 25, 456_789_000, time.UTC)

func deliveryEvent() webhook.Event {
	return webhook.Event{
		EventID:            "evt_01jd0000000000000000000003",
		Type:               webhook.TypeDelivery,
		CreatedAt:          createdAt,
		APIClientID:        "rc_test_client_123",
		Sequence:           3,
		Terminal:           true,
		MessageID:          "msg_01jd0000000000000000000001",
		ExternalReference:  "order_789",
		NumberID:           "num_abc123",
		From:               "+15551234567",
		To:                 "+15551234567",
		MessageType:        "SMS",
		Encoding:           "UCS-2",
		Segments:           3,
		Status:             "DELIVERED",
		ProviderMessageRef: "sbx_1",
	}
}

func queuedEvent() webhook.Event {
	return webhook.Event{
		EventID:     "evt_01jd0000000000000000000001",
		Type:        webhook.TypeQueued,
		CreatedAt:   createdAt.In(time.FixedZone("PST", -8*3600)),
		APIClientID: "rc_test_client_123",
		Sequence:    1,
		MessageID:   "msg_01jd0000000000000000000001",
		NumberID:    "num_abc123",
		From:        "+15551234567",
		To:          "+15005550002",
		MessageType: "SMS",
		Encoding:    "GSM-7",
		Segments:    1,
		Status:      "QUEUED",
		// Inbound-only fields are not sent for lifecycle events.
		Text:      "ignored",
		MediaURLs: []string{"https://example.com/ignored.png"},
	}
}

func failedEvent() webhook.Event {
	return webhook.Event{
		EventID:           "evt_01jd0000000000000000000004",
		Type:              webhook.TypeFailed,
		CreatedAt:         createdAt,
		APIClientID:       "rc_test_client_123",
		Sequence:          2,
		Terminal:          true,
		MessageID:         "msg_01jd0000000000000000000002",
		ExternalReference: "order_790",
		NumberID:          "num_abc123",
		From:              "+15551234567",
		To:                "+15005550001",
		MessageType:       "MMS",
		Segments:          1,
		Status:            "FAILED",
		Failure:           &webhook.Failure{Code: "INVALID_DESTINATION", Message: "the destination is not a valid number"},
	}
}

func inboundEvent() webhook.Event {
	return webhook.Event{
		EventID:     "evt_01jd0000000000000000000005",
		Type:        webhook.TypeInbound,
		CreatedAt:   createdAt,
		APIClientID: "rc_test_client_123",
		Sequence:    1,
		Terminal:    true,
		MessageID:   "msg_01jd0000000000000000000009",
		NumberID:    "num_abc123",
		From:        "+15557654321",
		To:          "+15551234567",
		MessageType: "SMS",
		Text:        "STOP",
		// Lifecycle-only fields are not sent for inbound events.
		Status:             "RECEIVED",
		ExternalReference:  "ignored",
		ProviderMessageRef: "ignored",
		Failure:            &webhook.Failure{Code: "IGNORED"},
	}
}

func TestEventMarshalJSON(t *testing.T) {
	withMedia := inboundEvent()
	withMedia.MessageType = "MMS"
	withMedia.Text = "a <b> & c"
	withMedia.MediaURLs = []string{"https://media.example/1.jpg", "https://media.example/2.jpg"}

	tests := []struct {
		name string
		ev   webhook.Event
		want string
	}{
		{
			name: "delivery",
			ev:   deliveryEvent(),
			want: `{"eventId":"evt_01jd0000000000000000000003","type":"message.delivery","createdAt":"2026-11-26T07:04:25.456Z",` +
				`"apiClientId":"rc_test_client_123","sequence":3,"terminal":true,"messageId":"msg_01jd0000000000000000000001",` +
				`"externalReference":"order_789","numberId":"num_abc123","from":"+15551234567","to":"+15551234567",` +
				`"messageType":"SMS","encoding":"UCS-2","segments":3,"status":"DELIVERED","providerMessageRef":"sbx_1","failure":null}`,
		},
		{
			name: "queued, nulls, non-UTC time",
			ev:   queuedEvent(),
			want: `{"eventId":"evt_01jd0000000000000000000001","type":"message.queued","createdAt":"2026-11-26T07:04:25.456Z",` +
				`"apiClientId":"rc_test_client_123","sequence":1,"terminal":false,"messageId":"msg_01jd0000000000000000000001",` +
				`"externalReference":null,"numberId":"num_abc123","from":"+15551234567","to":"+15005550002",` +
				`"messageType":"SMS","encoding":"GSM-7","segments":1,"status":"QUEUED","providerMessageRef":null,"failure":null}`,
		},
		{
			name: "failed",
			ev:   failedEvent(),
			want: `{"eventId":"evt_01jd0000000000000000000004","type":"message.failed","createdAt":"2026-11-26T07:04:25.456Z",` +
				`"apiClientId":"rc_test_client_123","sequence":2,"terminal":true,"messageId":"msg_01jd0000000000000000000002",` +
				`"externalReference":"order_790","numberId":"num_abc123","from":"+15551234567","to":"+15005550001",` +
				`"messageType":"MMS","encoding":null,"segments":1,"status":"FAILED","providerMessageRef":null,` +
				`"failure":{"code":"INVALID_DESTINATION","message":"the destination is not a valid number"}}`,
		},
		{
			name: "inbound, no media",
			ev:   inboundEvent(),
			want: `{"eventId":"evt_01jd0000000000000000000005","type":"message.inbound","createdAt":"2026-11-26T07:04:25.456Z",` +
				`"apiClientId":"rc_test_client_123","sequence":1,"terminal":true,"messageId":"msg_01jd0000000000000000000009",` +
				`"numberId":"num_abc123","from":"+15557654321","to":"+15551234567","messageType":"SMS","text":"STOP","mediaUrls":[]}`,
		},
		{
			name: "inbound, media and characters to escape",
			ev:   withMedia,
			want: `{"eventId":"evt_01jd0000000000000000000005","type":"message.inbound","createdAt":"2026-11-26T07:04:25.456Z",` +
				`"apiClientId":"rc_test_client_123","sequence":1,"terminal":true,"messageId":"msg_01jd0000000000000000000009",` +
				`"numberId":"num_abc123","from":"+15557654321","to":"+15551234567","messageType":"MMS",` +
				`"text":"a \u003cb\u003e \u0026 c","mediaUrls":["https://media.example/1.jpg","https://media.example/2.jpg"]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ev.MarshalJSON()
			if err != nil {
				t.Fatalf("MarshalJSON: %v", err)
			}
			if string(got) != tt.want {
				t.Fatalf("MarshalJSON =\n%s\nwant\n%s", got, tt.want)
			}
			// Deterministic, and the same through json.Marshal (value and pointer).
			again, _ := tt.ev.MarshalJSON()
			viaValue, err := json.Marshal(tt.ev)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			viaPointer, _ := json.Marshal(&tt.ev)
			for _, b := range [][]byte{again, viaValue, viaPointer} {
				if !bytes.Equal(b, got) {
					t.Fatalf("encodings differ:\n%s\n%s", b, got)
				}
			}
		})
	}
}

func TestEventRoundTrip(t *testing.T) {
	withMedia := inboundEvent()
	withMedia.MediaURLs = []string{"https://media.example/1.jpg"}

	tests := []struct {
		name string
		ev   webhook.Event
		want webhook.Event // the event as the receiver sees it
	}{
		{name: "delivery", ev: deliveryEvent()},
		{name: "queued", ev: queuedEvent()},
		{name: "failed", ev: failedEvent()},
		{name: "inbound", ev: inboundEvent()},
		{name: "inbound with media", ev: withMedia},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := json.Marshal(tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			got, err := webhook.ParseEvent(body)
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			want := onTheWire(tt.ev)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("ParseEvent =\n%+v\nwant\n%+v", got, want)
			}
			again, _ := json.Marshal(got)
			if !bytes.Equal(again, body) {
				t.Fatalf("re-encoded =\n%s\nwant\n%s", again, body)
			}
		})
	}
}

// onTheWire returns ev as it survives encoding: UTC milliseconds and only
// the fields of its shape.
func onTheWire(ev webhook.Event) webhook.Event {
	ev.CreatedAt = ev.CreatedAt.UTC().Truncate(time.Millisecond)
	if ev.Type == webhook.TypeInbound {
		ev.Status, ev.ExternalReference, ev.ProviderMessageRef, ev.Failure = "", "", "", nil
	} else {
		ev.Text, ev.MediaURLs = "", nil
	}
	return ev
}

func TestParseEventContractExamples(t *testing.T) {
	// The bodies of CONTRACT §8.3, formatted as there.
	lifecycle := `{"eventId": "evt_01JD", "type": "message.delivery", "createdAt": "2026-11-26T07:04:25.456Z",
 "apiClientId": "rc_test_client_123", "sequence": 3, "terminal": true,
 "messageId": "msg_01JD", "externalReference": "order_789", "numberId": "num_abc123",
 "from": "+15551234567", "to": "+15551234567", "messageType": "SMS", "status": "DELIVERED",
 "providerMessageRef": "sbx_1", "failure": null}`
	inbound := `{"eventId": "evt_2", "type": "message.inbound", "createdAt": "2026-11-26T07:04:25.456Z", "apiClientId": "rc_test_client_123", "sequence": 1,
 "terminal": true, "messageId": "msg_2", "numberId": "num_abc123", "from": "+15557654321",
 "to": "+15551234567", "messageType": "SMS", "text": "STOP", "mediaUrls": []}`
	withUnknownField := `{"eventId":"evt_3","type":"message.sent","createdAt":"2026-11-26T08:04:25.456+01:00","sequence":2,"newField":{"x":1},"failure":{"code":"C","message":"M"}}`

	tests := []struct {
		name string
		body string
		want webhook.Event
	}{
		{name: "lifecycle", body: lifecycle, want: webhook.Event{
			EventID: "evt_01JD", Type: webhook.TypeDelivery, CreatedAt: time.Date(2026, 11, 26, 7, 4, 25, 456_000_000, time.UTC),
			APIClientID: "rc_test_client_123", Sequence: 3, Terminal: true, MessageID: "msg_01JD", ExternalReference: "order_789",
			NumberID: "num_abc123", From: "+15551234567", To: "+15551234567", MessageType: "SMS", Status: "DELIVERED",
			ProviderMessageRef: "sbx_1",
		}},
		{name: "inbound", body: inbound, want: webhook.Event{
			EventID: "evt_2", Type: webhook.TypeInbound, CreatedAt: time.Date(2026, 11, 26, 7, 4, 25, 456_000_000, time.UTC),
			APIClientID: "rc_test_client_123", Sequence: 1, Terminal: true, MessageID: "msg_2", NumberID: "num_abc123",
			From: "+15557654321", To: "+15551234567", MessageType: "SMS", Text: "STOP",
		}},
		{name: "unknown fields ignored, offset time", body: withUnknownField, want: webhook.Event{
			EventID: "evt_3", Type: webhook.TypeSent, CreatedAt: time.Date(2026, 11, 26, 7, 4, 25, 456_000_000, time.UTC),
			Sequence: 2, Failure: &webhook.Failure{Code: "C", Message: "M"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := webhook.ParseEvent([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseEvent =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseEventErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{name: "empty", body: ""},
		{name: "not JSON", body: "eventId=evt_1"},
		{name: "array", body: `[{"eventId":"evt_1","type":"message.sent"}]`},
		{name: "null", body: `null`},
		{name: "trailing data", body: `{"eventId":"evt_1","type":"message.sent"} {}`},
		{name: "missing eventId", body: `{"type":"message.sent"}`},
		{name: "missing type", body: `{"eventId":"evt_1"}`},
		{name: "bad createdAt", body: `{"eventId":"evt_1","type":"message.sent","createdAt":"yesterday"}`},
		{name: "sequence not an integer", body: `{"eventId":"evt_1","type":"message.sent","sequence":"2"}`},
		{name: "failure not an object", body: `{"eventId":"evt_1","type":"message.failed","failure":"CARRIER_REJECTED"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := webhook.ParseEvent([]byte(tt.body))
			if !errors.Is(err, webhook.ErrInvalidEvent) {
				t.Fatalf("ParseEvent error = %v, want ErrInvalidEvent", err)
			}
			if !reflect.DeepEqual(ev, webhook.Event{}) {
				t.Fatalf("ParseEvent event = %+v, want zero", ev)
			}
		})
	}
}

func TestEventIsTerminal(t *testing.T) {
	tests := []struct {
		ev   webhook.Event
		want bool
	}{
		{webhook.Event{Type: webhook.TypeQueued}, false},
		{webhook.Event{Type: webhook.TypeSent}, false},
		{webhook.Event{Type: webhook.TypeDelivery}, true},
		{webhook.Event{Type: webhook.TypeFailed}, true},
		{webhook.Event{Type: webhook.TypeInbound}, true},
		{webhook.Event{Type: "message.future", Terminal: true}, true},
		{webhook.Event{Type: "message.future"}, false},
	}
	for _, tt := range tests {
		if got := tt.ev.IsTerminal(); got != tt.want {
			t.Errorf("Event{Type: %q, Terminal: %v}.IsTerminal() = %v, want %v", tt.ev.Type, tt.ev.Terminal, got, tt.want)
		}
	}
}
