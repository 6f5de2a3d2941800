package redcloud

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// MessageQuery filters GET /api/core/messages; zero fields are not
// filtered on. The window is [CreatedAfter, CreatedBefore).
type MessageQuery struct {
	Status            string // a message status, e.g. MessageFailed
	To                string // E.164 recipient (inbound: the receiving number)
	NumberID          string
	ExternalReference string
	CreatedAfter      time.Time
	CreatedBefore     time.Time
	// Waiting [extension] lists only the QUEUED messages waiting for their
	// number's, campaign's or provider's rate (throughput shaping): those
	// with a QueuedUntil. With a Status, it must be MessageQueued.
	Waiting bool
	// Limit is messages per page, 1–100; 0 means the server's default, 20.
	Limit int
	// Cursor is a previous page's NextCursor of the same query; "" is the
	// first page.
	Cursor string
}

// values returns q as a query string.
func (q MessageQuery) values() url.Values {
	v := url.Values{}
	set := func(name, value string) {
		if value != "" {
			v.Set(name, value)
		}
	}
	set("status", q.Status)
	set("to", q.To)
	set("numberId", q.NumberID)
	set("externalReference", q.ExternalReference)
	if !q.CreatedAfter.IsZero() {
		v.Set("createdAfter", q.CreatedAfter.UTC().Format(time.RFC3339Nano))
	}
	if !q.CreatedBefore.IsZero() {
		v.Set("createdBefore", q.CreatedBefore.UTC().Format(time.RFC3339Nano))
	}
	if q.Waiting {
		v.Set("waiting", "true")
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	set("cursor", q.Cursor)
	return v
}

// MessagePage returns one page of the caller's messages, newest first
// (GET /api/core/messages). The messages carry no Events; Message returns
// one with its events. Pass the page's NextCursor as q.Cursor for the next
// page; it is nil on the last page.
func (c *Client) MessagePage(ctx context.Context, q MessageQuery) (*MessageList, error) {
	endpoint := PathMessages
	if v := q.values(); len(v) > 0 {
		endpoint += "?" + v.Encode()
	}
	var out MessageList
	if _, _, err := c.do(ctx, &call{method: http.MethodGet, endpoint: endpoint}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Messages iterates over every message matching q, newest first, fetching
// pages of q.Limit as it goes (starting at q.Cursor). An error ends the
// iteration after being yielded once; each page's request is retried like
// any other call.
func (c *Client) Messages(ctx context.Context, q MessageQuery) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		for {
			page, err := c.MessagePage(ctx, q)
			if err != nil {
				yield(Message{}, err)
				return
			}
			for _, m := range page.Messages {
				if !yield(m, nil) {
					return
				}
			}
			if page.NextCursor == nil || len(page.Messages) == 0 {
				return
			}
			q.Cursor = *page.NextCursor
		}
	}
}
