package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

type clientsData struct {
	Clients      []operator.ClientSummary
	Accounts     []operator.AccountSummary
	Capabilities []string
}

// clients lists the API clients, with the forms that create accounts and
// clients.
func (c *Console) clients(w http.ResponseWriter, r *http.Request) {
	cs, err := op(r).ListClients(r.Context(), "")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	as, err := op(r).ListAccounts(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "clients", view{Title: "API clients", Nav: "clients", Notice: notice(r),
		Data: clientsData{Clients: cs, Accounts: as, Capabilities: platform.AllCapabilities}})
}

// createAccount creates an account (operator.CreateAccount).
func (c *Console) createAccount(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	if _, err := op(r).CreateAccount(r.Context(), operator.AccountInput{ID: strings.TrimSpace(r.PostForm.Get("id")),
		Name: r.PostForm.Get("name")}); err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/clients?done=account-created")
}

// secretData is a page that shows new secrets once.
type secretData struct {
	ClientID      string
	ClientSecret  string
	WebhookSecret string
	What          string
}

// createClient creates an API client (operator.CreateClient) and shows its
// secrets, this once.
func (c *Console) createClient(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	nc, err := op(r).CreateClient(r.Context(), operator.ClientInput{AccountID: r.PostForm.Get("account"),
		ID: strings.TrimSpace(r.PostForm.Get("id")), Name: r.PostForm.Get("name"), Capabilities: r.PostForm["capabilities"]})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusCreated, "secret", view{Title: "API client created", Nav: "clients", Data: secretData{
		ClientID: nc.ID, ClientSecret: nc.ClientSecret, WebhookSecret: nc.WebhookSecret, What: "created"}})
}

type clientData struct {
	Client       operator.ClientSummary
	Numbers      []platform.Number
	Capabilities []string
	Audit        []store.AuditEntry
}

// client shows one API client with the forms that change it.
func (c *Console) client(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	cl, err := op(r).GetClient(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ns, err := op(r).ListNumbers(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	audit, _, err := op(r).ListAudit(r.Context(), operator.AuditFilter{Target: id, Limit: 20})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "client", view{Title: "API client " + cl.ID, Nav: "clients", Notice: notice(r),
		Data: clientData{Client: cl, Numbers: ns, Capabilities: platform.AllCapabilities, Audit: audit}})
}

// backToClient answers an action on a client with its page and a notice.
func backToClient(w http.ResponseWriter, r *http.Request, done string) {
	redirect(w, r, "/clients/"+url.PathEscape(r.PathValue("id"))+"?done="+done)
}

// setClientStatus suspends or activates an API client.
func (c *Console) setClientStatus(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	if _, err := op(r).SetClientStatus(r.Context(), r.PathValue("id"), r.PostForm.Get("status")); err != nil {
		c.fail(w, r, err)
		return
	}
	backToClient(w, r, "status")
}

// rotateSecret replaces an API client's secret and shows the new one once.
func (c *Console) rotateSecret(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	s, err := op(r).RotateClientSecret(r.Context(), r.PathValue("id"), r.PostForm.Get("keepTokens") == "on")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "secret", view{Title: "Client secret rotated", Nav: "clients", Data: secretData{
		ClientID: s.ClientID, ClientSecret: s.ClientSecret, What: "rotated"}})
}

// revokeTokens revokes an API client's access tokens.
func (c *Console) revokeTokens(w http.ResponseWriter, r *http.Request) {
	if _, err := op(r).RevokeTokens(r.Context(), r.PathValue("id")); err != nil {
		c.fail(w, r, err)
		return
	}
	backToClient(w, r, "tokens-revoked")
}

// setCapabilities replaces an API client's capabilities with the boxes
// ticked (none removes them all).
func (c *Console) setCapabilities(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	if _, err := op(r).SetCapabilities(r.Context(), r.PathValue("id"), r.PostForm["capabilities"]); err != nil {
		c.fail(w, r, err)
		return
	}
	backToClient(w, r, "capabilities")
}

// setWebhooks sets an API client's webhook URLs; an empty field clears
// its URL.
func (c *Console) setWebhooks(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	in := operator.WebhookInput{Sandbox: c.cfg.Sandbox}
	in.DeliveryURL, in.InboundURL = formURL(r, "deliveryUrl"), formURL(r, "inboundUrl")
	if _, err := op(r).SetWebhooks(r.Context(), r.PathValue("id"), in); err != nil {
		c.fail(w, r, err)
		return
	}
	backToClient(w, r, "webhooks")
}

// rotateWebhookSecret creates the next webhook signing secret and shows it
// once.
func (c *Console) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	next, err := op(r).RotateWebhookSecret(r.Context(), r.PathValue("id"), r.PostForm.Get("replace") == "on")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "secret", view{Title: "Next webhook secret", Nav: "clients", Data: secretData{
		ClientID: r.PathValue("id"), WebhookSecret: next, What: "next-webhook"}})
}

// activateWebhookSecret signs deliveries with the next secret from now on.
func (c *Console) activateWebhookSecret(w http.ResponseWriter, r *http.Request) {
	if err := op(r).ActivateWebhookSecret(r.Context(), r.PathValue("id")); err != nil {
		c.fail(w, r, err)
		return
	}
	backToClient(w, r, "webhook-activated")
}

// formURL reads a URL field as a change: nil when the form lacks the field
// (left as it is), a pointer to nil when it is empty (cleared).
func formURL(r *http.Request, name string) **string {
	if _, ok := r.PostForm[name]; !ok {
		return nil
	}
	v := strings.TrimSpace(r.PostForm.Get(name))
	var p *string
	if v != "" {
		p = &v
	}
	return &p
}
