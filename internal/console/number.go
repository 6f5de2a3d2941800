package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// maxNumbersShown bounds the numbers one page lists; the search narrows.
const maxNumbersShown = 200

type numbersData struct {
	Query, Scope string
	Numbers      []platform.Number
	// More counts the matching numbers not shown.
	More    int
	Clients []operator.ClientSummary
}

// numbers lists numbers — all, assigned or the inventory — matching a
// search of their E.164, id, client, city or rate center.
func (c *Console) numbers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := numbersData{Query: strings.TrimSpace(q.Get("q")), Scope: q.Get("scope")}
	all, err := op(r).ListNumbers(r.Context(), "")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	needle := strings.ToLower(d.Query)
	for _, n := range all {
		switch {
		case d.Scope == "assigned" && n.APIClientID == "", d.Scope == "inventory" && n.APIClientID != "":
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(strings.Join([]string{n.E164, n.ID, n.APIClientID, n.City, n.RateCenter, n.State}, " ")), needle) {
			continue
		}
		if len(d.Numbers) == maxNumbersShown {
			d.More++
			continue
		}
		d.Numbers = append(d.Numbers, n)
	}
	if d.Clients, err = op(r).ListClients(r.Context(), ""); err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "numbers", view{Title: "Numbers", Nav: "numbers", Notice: notice(r), Data: d})
}

type numberData struct {
	Number  platform.Number
	Clients []operator.ClientSummary
}

// number shows a number with the forms that change and assign it.
func (c *Console) number(w http.ResponseWriter, r *http.Request) {
	n, err := op(r).GetNumber(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	cs, err := op(r).ListClients(r.Context(), "")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "number", view{Title: "Number " + n.E164, Nav: "numbers", Notice: notice(r),
		Data: numberData{Number: n, Clients: cs}})
}

// optional returns a form field as an optional value: nil when empty.
func optional(r *http.Request, name string) *string {
	v := strings.TrimSpace(r.PostForm.Get(name))
	if v == "" {
		return nil
	}
	return &v
}

// addNumber adds a number to the inventory or to an API client.
func (c *Console) addNumber(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	f := r.PostForm
	n, err := op(r).AddNumber(r.Context(), operator.NumberInput{E164: strings.TrimSpace(f.Get("e164")), ID: strings.TrimSpace(f.Get("id")),
		APIClientID: f.Get("client"), Status: f.Get("status"), CampaignRegID: optional(r, "campaignRegId"),
		SMSEnabled: f.Get("sms") == "on", MMSEnabled: f.Get("mms") == "on"})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/numbers/"+url.PathEscape(n.ID)+"?done=number-added")
}

// updateNumber sets a number's status, campaign (empty clears it), SMS and
// MMS.
func (c *Console) updateNumber(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	f := r.PostForm
	status := f.Get("status")
	campaign := optional(r, "campaignRegId")
	sms, mms := f.Get("sms") == "on", f.Get("mms") == "on"
	n, err := op(r).UpdateNumber(r.Context(), r.PathValue("id"), operator.NumberUpdate{Status: &status,
		CampaignRegID: &campaign, SMSEnabled: &sms, MMSEnabled: &mms})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/numbers/"+url.PathEscape(n.ID)+"?done=number-saved")
}

// assignNumber assigns a number to an API client.
func (c *Console) assignNumber(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	n, _, err := op(r).AssignNumber(r.Context(), r.PathValue("id"), r.PostForm.Get("client"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/numbers/"+url.PathEscape(n.ID)+"?done=number-assigned")
}

// unassignNumber returns a number to the inventory.
func (c *Console) unassignNumber(w http.ResponseWriter, r *http.Request) {
	n, err := op(r).UnassignNumber(r.Context(), r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/numbers/"+url.PathEscape(n.ID)+"?done=number-unassigned")
}

// setNumberOverrides sets an assigned number's webhook URL overrides; an
// empty field clears its override.
func (c *Console) setNumberOverrides(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	in := operator.WebhookInput{Sandbox: c.cfg.Sandbox}
	in.InboundURL, in.DeliveryURL = formURL(r, "inboundOverride"), formURL(r, "deliveryOverride")
	n, err := op(r).SetNumberOverrides(r.Context(), r.PathValue("id"), in)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/numbers/"+url.PathEscape(n.ID)+"?done=number-saved")
}
