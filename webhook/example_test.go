package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/redcloud-core/redcloud/webhook"
)

func ExampleSign() {
	fmt.Println(webhook.Sign("whsec_test", "1795676665", []byte(`{"eventId":"evt_1"}`)))
	// Output: 07e4f11990b23e9e5c6a13a129540521ecf17931340d04d6d83f063122cdabf4
}

func ExampleVerify() {
	// What the platform sends.
	secret := "whsec_current"
	body := []byte(`{"eventId":"evt_1","type":"message.sent"}`)
	signedAt := time.Unix(1795676665, 0)
	timestamp, signature := webhook.SignatureHeaders(secret, signedAt, body)

	// What the receiver checks, on the raw body, with the current and the
	// next secret during a rotation. The receiver's clock is 20 s later.
	secrets := []string{secret, "whsec_next"}
	now := signedAt.Add(20 * time.Second)
	fmt.Println(webhook.Verify(secrets, timestamp, signature, body, now, 0))

	tampered := bytes.Replace(body, []byte("sent"), []byte("delivery"), 1)
	err := webhook.Verify(secrets, timestamp, signature, tampered, now, 0)
	fmt.Println(errors.Is(err, webhook.ErrSignatureMismatch))

	err = webhook.Verify(secrets, timestamp, signature, body, signedAt.Add(time.Hour), 0)
	fmt.Println(errors.Is(err, webhook.ErrTimestampOutOfTolerance))
	// Output:
	// <nil>
	// true
	// true
}

func ExampleNewHandler() {
	secrets := []string{"whsec_example"}
	seen := webhook.NewSequenceTracker()
	h := webhook.NewHandler(secrets, func(ctx context.Context, ev webhook.Event) error {
		if seen.Stale(ev) {
			return nil // a repeat or a late arrival: already handled
		}
		fmt.Println(ev.Type, ev.MessageID, ev.Sequence, ev.Status)
		seen.Observe(ev) // once handled
		return nil
	}, webhook.WithClock(func() time.Time { return time.Unix(1795676665, 0) }))
	// In a server: http.Handle("POST /webhooks/redcloud", h)

	body := []byte(`{"eventId":"evt_3","type":"message.delivery","createdAt":"2026-11-26T07:04:25.456Z","sequence":3,"terminal":true,"messageId":"msg_1","status":"DELIVERED"}`)
	for range 2 { // delivered twice
		r := httptest.NewRequest(http.MethodPost, "/webhooks/redcloud", bytes.NewReader(body))
		ts, sig := webhook.SignatureHeaders("whsec_example", time.Unix(1795676665, 0), body)
		r.Header.Set(webhook.HeaderTimestamp, ts)
		r.Header.Set(webhook.HeaderSignature, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// message.delivery msg_1 3 DELIVERED
	// 204
	// 204
}

func ExampleEvent_MarshalJSON() {
	ev := webhook.Event{
		EventID:     "evt_2",
		Type:        webhook.TypeInbound,
		CreatedAt:   time.Date(2026, 11, 26, 7, 4, 25, 456_000_000, time.UTC),
		APIClientID: "rc_test_client_123",
		Sequence:    1,
		Terminal:    true,
		MessageID:   "msg_2",
		NumberID:    "num_abc123",
		From:        "+15557654321",
		To:          "+15551234567",
		MessageType: "SMS",
		Text:        "STOP",
	}
	b, _ := ev.MarshalJSON()
	fmt.Println(string(b))
	// Output:
	// {"eventId":"evt_2","type":"message.inbound","createdAt":"2026-11-26T07:04:25.456Z","apiClientId":"rc_test_client_123","sequence":1,"terminal":true,"messageId":"msg_2","numberId":"num_abc123","from":"+15557654321","to":"+15551234567","messageType":"SMS","text":"STOP","mediaUrls":[]}
}

func ExampleSequenceTracker() {
	tr := webhook.NewSequenceTracker()
	for _, seq := range []int64{1, 3, 2, 3} {
		ev := webhook.Event{MessageID: "msg_1", Sequence: seq}
		fmt.Println(seq, tr.Observe(ev))
	}
	// Output:
	// 1 false
	// 3 false
	// 2 true
	// 3 true
}
