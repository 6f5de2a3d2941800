package console

import (
	"io/fs"
	"net/http"
)

// routes is the console's one route table. Pages are GETs any operator may
// see; every change is a POST only admins may make.
func (c *Console) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(files, "static")
	fileServer := http.FileServerFS(static)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})))
	mux.HandleFunc("GET /login", c.loginPage)
	mux.HandleFunc("POST /login", c.login)
	mux.Handle("POST /logout", c.auth(anyone, c.logout))

	page := func(pattern string, h http.HandlerFunc) { mux.Handle("GET "+pattern, c.auth(anyone, h)) }
	action := func(pattern string, h http.HandlerFunc) { mux.Handle("POST "+pattern, c.auth(adminOnly, h)) }

	page("/{$}", c.overview)
	page("/messages", c.messages)
	page("/messages/{id}", c.message)
	action("/events/{id}/replay", c.replayEvent)
	page("/webhooks", c.webhooks)
	action("/webhooks/replay", c.replayFailed)
	page("/clients", c.clients)
	action("/clients", c.createClient)
	action("/accounts", c.createAccount)
	page("/clients/{id}", c.client)
	action("/clients/{id}/status", c.setClientStatus)
	action("/clients/{id}/rotate-secret", c.rotateSecret)
	action("/clients/{id}/revoke-tokens", c.revokeTokens)
	action("/clients/{id}/capabilities", c.setCapabilities)
	action("/clients/{id}/webhooks", c.setWebhooks)
	action("/clients/{id}/rotate-webhook-secret", c.rotateWebhookSecret)
	action("/clients/{id}/activate-webhook-secret", c.activateWebhookSecret)
	page("/numbers", c.numbers)
	action("/numbers", c.addNumber)
	page("/numbers/{id}", c.number)
	action("/numbers/{id}", c.updateNumber)
	action("/numbers/{id}/assign", c.assignNumber)
	action("/numbers/{id}/unassign", c.unassignNumber)
	action("/numbers/{id}/overrides", c.setNumberOverrides)
	page("/campaigns", c.campaigns)
	page("/opt-outs", c.optOuts)
	action("/opt-outs", c.addOptOut)
	action("/opt-outs/remove", c.removeOptOut)
	page("/audit", c.audit)
	page("/providers", c.providers)
	action("/providers/default", c.setDefaultProvider)
	action("/providers/route", c.routeNumber)

	// Anything else: a logged-in operator sees 404, anyone else the login.
	mux.Handle("/", c.auth(anyone, func(w http.ResponseWriter, r *http.Request) {
		c.errorPage(w, r, http.StatusNotFound, "There is no such page.")
	}))
	return c.secure(mux)
}

// form parses a POST form of at most 1 MiB; false after answering 400.
func (c *Console) form(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		c.errorPage(w, r, http.StatusBadRequest, "The form could not be read.")
		return false
	}
	return true
}
