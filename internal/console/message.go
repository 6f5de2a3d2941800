package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// pageSize is how many messages a page of the list shows.
const pageSize = 50

// messageFilter is the message list's form, as typed.
type messageFilter struct {
	Status, To, NumberID, ExternalReference, CreatedAfter, CreatedBefore, APIClientID string
}

// messageFilterFields are the form's fields and the API's query parameters
// they become.
var messageFilterFields = []struct{ form, param string }{
	{"status", "status"}, {"to", "to"}, {"numberId", "numberId"}, {"externalReference", "externalReference"},
	{"createdAfter", "createdAfter"}, {"createdBefore", "createdBefore"},
}

type messagesData struct {
	Filter   messageFilter
	Statuses []string
	Clients  []operator.ClientSummary
	Page     operator.MessagePage
	// Next links the next page; "" when none follows. Built here from
	// url.Values, so that the template need not escape it.
	Next template.URL
}

// formTime turns a time typed in the form — a datetime-local value
// (2026-11-26T07:04, taken as UTC) or RFC 3339 — into RFC 3339 for the
// list's rules; anything else is passed on for them to refuse.
func formTime(s string) string {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return s
}

// messages lists messages with the API list's filters and rules
// (operator.ListMessages), across API clients or for one.
func (c *Console) messages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := messageFilter{Status: q.Get("status"), To: q.Get("to"), NumberID: q.Get("numberId"),
		ExternalReference: q.Get("externalReference"), CreatedAfter: q.Get("createdAfter"),
		CreatedBefore: q.Get("createdBefore"), APIClientID: q.Get("apiClientId")}
	values := url.Values{}
	for _, fl := range messageFilterFields {
		if v := q.Get(fl.form); v != "" {
			if fl.form == "createdAfter" || fl.form == "createdBefore" {
				v = formTime(v)
			}
			values.Set(fl.param, v)
		}
	}
	values.Set("limit", strconv.Itoa(pageSize))
	if cur := q.Get("cursor"); cur != "" {
		values.Set("cursor", cur)
	}
	clients, err := op(r).ListClients(r.Context(), "")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := messagesData{Filter: f, Statuses: platform.Statuses, Clients: clients}
	v := view{Title: "Messages", Nav: "messages", Data: &d}
	page, err := op(r).ListMessages(r.Context(), f.APIClientID, values)
	if e, ok := platform.AsError(err); ok {
		v.Error = e.Message // the form stays, with what was wrong
		c.render(w, r, http.StatusBadRequest, "messages", v)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Page = page
	if page.NextCursor != "" {
		next := url.Values{}
		for _, fl := range messageFilterFields {
			if v := q.Get(fl.form); v != "" {
				next.Set(fl.form, v)
			}
		}
		if f.APIClientID != "" {
			next.Set("apiClientId", f.APIClientID)
		}
		next.Set("cursor", page.NextCursor)
		d.Next = template.URL("/messages?" + next.Encode())
	}
	c.render(w, r, http.StatusOK, "messages", v)
}

type messageData struct {
	operator.MessageDetail
	// Live says the page keeps reloading: the message or a delivery of it
	// is not finished.
	Live bool
}

// message shows a message, its events, their deliveries and attempts;
// while anything is in flight the live part reloads itself.
func (c *Console) message(w http.ResponseWriter, r *http.Request) {
	m, err := op(r).GetMessage(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := messageData{MessageDetail: m, Live: !platform.Terminal(m.Message.Status)}
	for _, e := range m.Events {
		for _, dl := range e.Deliveries {
			if dl.State == platform.DeliveryPending {
				d.Live = true
			}
		}
	}
	c.render(w, r, http.StatusOK, "message", view{Title: "Message " + m.Message.ID, Nav: "messages", Notice: notice(r), Data: d})
}

// replayEvent replays one event (operator.ReplayEvents) and goes back to
// its message.
func (c *Console) replayEvent(w http.ResponseWriter, r *http.Request) {
	ds, err := op(r).ReplayEvents(r.Context(), []string{r.PathValue("id")})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	e, _, err := op(r).GetEvent(r.Context(), ds[0].EventID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/messages/"+url.PathEscape(e.MessageID)+"?done=replayed")
}
