package redcloud_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestMessages: the iterator walks every page of a real server newest
// first, stops when the caller stops, and yields a request defect once.
func TestMessages(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	var sent []string
	for i := range 5 {
		res, err := c.Send(e.ctx, sms(numberID, fmt.Sprint("hi ", i), numberE164), redcloud.WithIdempotencyKey(fmt.Sprint("k", i)))
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, res.Results[0].MessageID)
	}
	var got []string
	for m, err := range c.Messages(e.ctx, redcloud.MessageQuery{Limit: 2, To: numberE164}) {
		if err != nil {
			t.Fatal(err)
		}
		if m.Events != nil || m.ExternalReference == nil || *m.ExternalReference != "order_789" {
			t.Errorf("listed %+v", m)
		}
		got = append(got, m.MessageID)
	}
	// Ids are monotonic, so newest first is descending id order.
	want := slices.Clone(sent)
	slices.Sort(want)
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Errorf("iterated %v, want %v", got, want)
	}
	if n := len(e.rec.requests(redcloud.PathMessages)); n != 3 {
		t.Errorf("%d list requests for 5 messages in pages of 2, want 3", n)
	}

	page, err := c.MessagePage(e.ctx, redcloud.MessageQuery{Limit: 3, Status: redcloud.MessageDelivered})
	if err != nil || len(page.Messages) != 0 || page.NextCursor != nil {
		t.Errorf("DELIVERED page = %+v, %v; want empty and last", page, err)
	}

	n := 0
	for range c.Messages(e.ctx, redcloud.MessageQuery{Limit: 2}) {
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("iterated %d, want to stop at 3", n)
	}

	errs := 0
	for _, err := range c.Messages(e.ctx, redcloud.MessageQuery{Status: "LOST"}) {
		var ae *redcloud.APIError
		if !errors.As(err, &ae) || ae.Details["field"] != "status" {
			t.Errorf("err = %v, want an APIError naming status", err)
		}
		errs++
	}
	if errs != 1 {
		t.Errorf("yielded %d errors, want 1", errs)
	}
}

// TestMessagesWaiting: Waiting lists only the messages waiting for their
// number's rate, each with its estimated send time.
func TestMessagesWaiting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	rate := 1.0
	mps := &rate
	if err := e.db.SetNumberAttrs(e.ctx, numberID, store.NumberAttrs{MPS: &mps}); err != nil {
		t.Fatal(err)
	}
	// At 1/s the first goes at once, the other two wait.
	var sent []string
	for i := range 3 {
		res, err := c.Send(e.ctx, sms(numberID, "hi", numberE164), redcloud.WithIdempotencyKey(fmt.Sprint("k", i)))
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, res.Results[0].MessageID)
	}
	var got []string
	for m, err := range c.Messages(e.ctx, redcloud.MessageQuery{Waiting: true, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != redcloud.MessageQueued || m.QueuedUntil == nil {
			t.Errorf("listed %s: status %s, queuedUntil %v", m.MessageID, m.Status, m.QueuedUntil)
		}
		got = append(got, m.MessageID)
	}
	if want := []string{sent[2], sent[1]}; !slices.Equal(got, want) {
		t.Errorf("waiting: listed %v, want %v", got, want)
	}
	page, err := c.MessagePage(e.ctx, redcloud.MessageQuery{})
	if err != nil || len(page.Messages) != 3 {
		t.Errorf("without Waiting: %d messages, %v; want 3", len(page.Messages), err)
	}
	_, err = c.MessagePage(e.ctx, redcloud.MessageQuery{Waiting: true, Status: redcloud.MessageSent})
	var ae *redcloud.APIError
	if !errors.As(err, &ae) || ae.Details["field"] != "waiting" {
		t.Errorf("Waiting with status SENT: %v, want an APIError naming waiting", err)
	}
}
