package console

import (
	"net/http"
	"strings"

	"github.com/redcloud-core/redcloud/internal/operator"
)

type providersData struct {
	Providers []operator.ProviderSummary
}

// providers lists the upstream providers with their settings and every
// running process's binds, with the forms that set the default provider and
// route a number.
func (c *Console) providers(w http.ResponseWriter, r *http.Request) {
	ps, err := op(r).ListProviders(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "providers", view{Title: "Providers", Nav: "providers", Notice: notice(r), Data: providersData{ps}})
}

// setDefaultProvider makes a provider the one of numbers without a route
// (an empty choice clears it).
func (c *Console) setDefaultProvider(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	if _, err := op(r).SetDefaultProvider(r.Context(), strings.TrimSpace(r.PostForm.Get("provider"))); err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/providers?done=default-provider")
}

// routeNumber sends a number (numberId or E.164) through a provider (an
// empty choice removes its route).
func (c *Console) routeNumber(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	if _, _, err := op(r).RouteNumber(r.Context(), strings.TrimSpace(r.PostForm.Get("number")), strings.TrimSpace(r.PostForm.Get("provider"))); err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/providers?done=number-routed")
}
