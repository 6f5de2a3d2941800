package redcloud_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/redcloud-core/redcloud"
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
