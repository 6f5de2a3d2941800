package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// maxOptOutsShown bounds the opt-outs one page lists.
const maxOptOutsShown = 1000

type optOutsData struct {
	Client  string
	Clients []operator.ClientSummary
	OptOuts []platform.Suppression
}

// optOuts lists an API client's opt-outs, with the forms that add and lift
// them.
func (c *Console) optOuts(w http.ResponseWriter, r *http.Request) {
	cs, err := op(r).ListClients(r.Context(), "")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := optOutsData{Client: r.URL.Query().Get("client"), Clients: cs}
	if d.Client == "" && len(cs) > 0 {
		d.Client = cs[0].ID
	}
	if d.Client != "" {
		if d.OptOuts, err = op(r).ListOptOuts(r.Context(), d.Client, maxOptOutsShown); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.render(w, r, http.StatusOK, "optouts", view{Title: "Opt-outs", Nav: "opt-outs", Notice: notice(r), Data: d})
}

// addOptOut puts a number on an API client's opt-out list.
func (c *Console) addOptOut(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	client := r.PostForm.Get("client")
	if _, _, err := op(r).AddOptOut(r.Context(), client, strings.TrimSpace(r.PostForm.Get("e164"))); err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/opt-outs?client="+url.QueryEscape(client)+"&done=opted-out")
}

// removeOptOut lifts an opt-out; a keyword opt-out needs a reason, which is
// recorded.
func (c *Console) removeOptOut(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	client := r.PostForm.Get("client")
	if _, err := op(r).RemoveOptOut(r.Context(), client, r.PostForm.Get("e164"), r.PostForm.Get("reason")); err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/opt-outs?client="+url.QueryEscape(client)+"&done=opt-out-removed")
}
