package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestPages: every page shows what it is for.
func TestPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for path, wants := range map[string][]string{
		"/":                                 {"messages queued", "webhook deliveries pending", `<svg class="chart"`, "<polyline", `hx-trigger="every 3000ms"`, "Failing webhook endpoints", "Providers and binds"},
		"/messages":                         {e.msg.ID, "hello from b", `name="externalReference"`, `name="apiClientId"`, `name="createdAfter"`, "RECEIVED"},
		"/messages/" + e.msg.ID:             {e.evt.ID, "message.inbound", "http://127.0.0.1:9/hooks", "PENDING", "Replay"},
		"/webhooks":                         {"rc_a", "http://127.0.0.1:9/hooks", "Replay all failed"},
		"/clients":                          {"rc_a", "rc_b", "New API client", "New account"},
		"/clients/rc_a":                     {"Suspend", "Rotate secret", "messages:send", "num_a", "Webhook URLs"},
		"/numbers":                          {"num_a", "num_free", "inventory", "Add a number"},
		"/numbers?q=austin&scope=inventory": {"num_free"},
		"/numbers/num_free":                 {"Assign", "15125550100"},
		"/opt-outs?client=rc_a":             {"Add an opt-out", "No opt-out."},
		"/audit":                            {"No entry."},
		"/providers":                        {"built-in sandbox", "Default provider", "Route a number"},
		"/campaigns":                        {"A1B2C3", `href="/numbers/num_a"`, "redcloud admin campaign set"},
	} {
		body := e.get(path, adminToken)
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
	}
	if body := e.get("/numbers?q=austin&scope=inventory", adminToken); strings.Contains(body, `href="/numbers/num_a"`) {
		t.Error("the inventory lists an assigned number")
	}
	if r := e.do(http.MethodGet, "/messages/msg_nope", adminToken, nil); r.status != http.StatusNotFound || !strings.Contains(r.body, "message msg_nope not found") {
		t.Errorf("unknown message: %d", r.status)
	}
	if r := e.do(http.MethodGet, "/clients/rc_nope", adminToken, nil); r.status != http.StatusNotFound {
		t.Errorf("unknown client: %d", r.status)
	}
}

// TestLiveFragments: an htmx request for a live page gets only its live
// part, which keeps polling while anything is in flight.
func TestLiveFragments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, p := range []string{"/", "/messages/" + e.msg.ID} {
		r := e.do(http.MethodGet, p, adminToken, nil, "HX-Request", "true")
		if r.status != http.StatusOK || strings.Contains(r.body, "<html") || !strings.HasPrefix(strings.TrimSpace(r.body), `<div id="live"`) ||
			!strings.Contains(r.body, "hx-trigger") || !strings.Contains(r.header.Get("Vary"), "HX-Request") {
			t.Errorf("htmx %s: %d\n%.300s", p, r.status, r.body)
		}
	}
	// rc_b's message is received and its delivery finished: no polling.
	ms, err := e.op.ListMessages(e.ctx, "rc_b", url.Values{})
	must(t, err)
	d, err := e.op.GetMessage(e.ctx, ms.Messages[0].ID)
	must(t, err)
	now := time.Now()
	jobs, err := e.db.ClaimDeliveries(e.ctx, "test", now, now.Add(time.Minute), 10)
	must(t, err)
	for _, j := range jobs {
		if j.ID == d.Events[0].Deliveries[0].ID {
			must(t, e.db.RecordAttempts(e.ctx, []store.Attempt{{DeliveryID: j.ID, LeaseOwner: "test", Number: 1, At: now,
				StatusCode: 204, State: platform.DeliveryDelivered}}))
		}
	}
	if body := e.get("/messages/"+ms.Messages[0].ID, adminToken); strings.Contains(body, "hx-trigger") {
		t.Error("a finished message keeps polling")
	}
}

// TestEscaping: attacker-controlled text (a message's text, a client's
// name) is shown as text, never as markup.
func TestEscaping(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, p := range []string{"/messages", "/messages/" + e.msg.ID} {
		body := e.get(p, adminToken)
		if strings.Contains(body, hostileText) || !strings.Contains(body, "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;") {
			t.Errorf("%s does not escape the message text", p)
		}
	}
	for _, p := range []string{"/clients", "/clients/rc_a"} {
		if body := e.get(p, adminToken); strings.Contains(body, "<b>rc_a</b>") || !strings.Contains(body, "&lt;b&gt;rc_a&lt;/b&gt;") {
			t.Errorf("%s does not escape the client name", p)
		}
	}
	// A notice is one of the console's own: a link cannot make it say
	// anything else.
	if body := e.get("/clients/rc_a?done=<script>x</script>", adminToken); strings.Contains(body, "<script>x") || strings.Contains(body, `class="notice"`) {
		t.Error("a notice was taken from the link")
	}
}

// TestMessageFilters: the list's filters, client included, its cursor, and
// the list's own error for a bad filter.
func TestMessageFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := e.get("/messages?apiClientId=rc_b", adminToken)
	if !strings.Contains(body, "hello from b") || strings.Contains(body, e.msg.ID) {
		t.Error("apiClientId=rc_b lists another client's message")
	}
	body = e.get("/messages?status=RECEIVED&to=%2B15551230001&numberId=num_a&createdAfter=2000-01-01T00:00", adminToken)
	if !strings.Contains(body, e.msg.ID) || strings.Contains(body, "hello from b") {
		t.Error("the filters of rc_a's message do not find it alone")
	}
	if body := e.get("/messages?externalReference=order_none", adminToken); !strings.Contains(body, "No message matches.") {
		t.Error("an unknown externalReference lists messages")
	}
	r := e.do(http.MethodGet, "/messages?to=5551230001", adminToken, nil)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "to must be an E.164 phone number") || !strings.Contains(r.body, `name="to"`) {
		t.Errorf("bad filter: %d", r.status)
	}
	// Pages of 50: 60 more messages of rc_a.
	cl, err := e.db.GetAPIClient(e.ctx, "rc_a")
	must(t, err)
	n, err := e.db.GetNumber(e.ctx, "num_a")
	must(t, err)
	for i := range 60 {
		m, ev, d := platform.NewInbound(cl, n, platform.InboundInput{From: "+15550000002", Text: "bulk"}, e.msg.CreatedAt.Add(-time.Duration(i+1)*time.Millisecond))
		must(t, e.db.InsertInbound(e.ctx, m, ev, d))
	}
	body = e.get("/messages?apiClientId=rc_a", adminToken)
	i := strings.Index(body, `href="/messages?`)
	if i < 0 {
		t.Fatal("no next page link")
	}
	next := body[i+len(`href="`):]
	next = strings.ReplaceAll(next[:strings.Index(next, `"`)], "&amp;", "&")
	body = e.get(next, adminToken)
	if got := strings.Count(body, `<tr><td>`); got != 11 || strings.Contains(body, `href="/messages?`) {
		t.Errorf("second page: %d rows", got)
	}
}

// TestActions: every admin action changes what it says through the
// operator API, answers with the page that shows it, and is audited with
// the admin's email.
func TestActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	audited := func(action, target string) {
		t.Helper()
		es := e.audit()
		if len(es) == 0 || es[0].Actor != adminEmail || es[0].Action != action || (target != "" && es[0].Target != target) {
			t.Errorf("audit after %s %s: %+v", action, target, es[:min(1, len(es))])
		}
	}

	r := e.post("/accounts", url.Values{"name": {"Beta"}, "id": {"acct_beta"}}, http.StatusSeeOther)
	if r.header.Get("Location") != "/clients?done=account-created" {
		t.Errorf("account: to %s", r.header.Get("Location"))
	}
	audited(operator.ActionAccountCreate, "acct_beta")
	r = e.post("/clients", url.Values{"account": {"acct_beta"}, "name": {"Beta prod"}, "id": {"rc_beta"}, "capabilities": {"messages:send", "numbers:read"}}, http.StatusCreated)
	if !strings.Contains(r.body, "rc_beta") || !strings.Contains(r.body, "shown this once") || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("create client page:\n%s", r.body)
	}
	secret := between(r.body, `id="client-secret">`, "<")
	if !strings.HasPrefix(secret, platform.PrefixClientSecret) || len(secret) < 40 {
		t.Errorf("client secret %q", secret)
	}
	audited(operator.ActionClientCreate, "rc_beta")
	e.post("/clients", url.Values{"account": {"acct_beta"}, "name": {""}}, http.StatusBadRequest)

	e.post("/clients/rc_beta/status", url.Values{"status": {"SUSPENDED"}}, http.StatusSeeOther)
	audited(operator.ActionClientStatus, "rc_beta")
	if body := e.get("/clients/rc_beta?done=status", adminToken); !strings.Contains(body, "Status changed.") || !strings.Contains(body, ">SUSPENDED<") || !strings.Contains(body, "Activate") {
		t.Error("the suspended client's page")
	}
	e.post("/clients/rc_beta/status", url.Values{"status": {"bogus"}}, http.StatusBadRequest)
	r = e.post("/clients/rc_beta/rotate-secret", nil, http.StatusOK)
	if s := between(r.body, `id="client-secret">`, "<"); s == "" || s == secret {
		t.Errorf("rotated secret %q", s)
	}
	audited(operator.ActionClientRotateSecret, "rc_beta")
	e.post("/clients/rc_beta/revoke-tokens", nil, http.StatusSeeOther)
	audited(operator.ActionClientRevokeTokens, "rc_beta")
	e.post("/clients/rc_beta/capabilities", url.Values{"capabilities": {"numbers:update"}}, http.StatusSeeOther)
	audited(operator.ActionClientCapabilities, "rc_beta")
	e.post("/clients/rc_beta/capabilities", url.Values{"capabilities": {"root"}}, http.StatusBadRequest)
	e.post("/clients/rc_beta/webhooks", url.Values{"deliveryUrl": {"https://beta.example/d"}, "inboundUrl": {""}}, http.StatusSeeOther)
	audited(operator.ActionClientWebhooks, "rc_beta")
	e.post("/clients/rc_beta/webhooks", url.Values{"deliveryUrl": {"ftp://x"}}, http.StatusBadRequest)
	c, err := e.op.GetClient(e.ctx, "rc_beta")
	must(t, err)
	if c.Status != "SUSPENDED" || len(c.Capabilities) != 1 || c.DeliveryURL == nil || *c.DeliveryURL != "https://beta.example/d" || c.InboundURL != nil {
		t.Errorf("rc_beta: %+v", c.APIClient)
	}
	r = e.post("/clients/rc_beta/rotate-webhook-secret", nil, http.StatusOK)
	if !strings.HasPrefix(between(r.body, `id="webhook-secret">`, "<"), "whsec_") {
		t.Error("no next webhook secret shown")
	}
	e.post("/clients/rc_beta/rotate-webhook-secret", nil, http.StatusConflict)
	e.post("/clients/rc_beta/activate-webhook-secret", nil, http.StatusSeeOther)
	audited(operator.ActionClientActivateWebhookKey, "rc_beta")
	e.post("/clients/rc_beta/activate-webhook-secret", nil, http.StatusConflict)

	r = e.post("/numbers", url.Values{"e164": {"+15125550122"}, "id": {"num_new"}, "status": {"ACTIVE"}, "sms": {"on"}}, http.StatusSeeOther)
	if r.header.Get("Location") != "/numbers/num_new?done=number-added" {
		t.Errorf("add number: to %s", r.header.Get("Location"))
	}
	audited(operator.ActionNumberAdd, "num_new")
	e.post("/numbers", url.Values{"e164": {"12345"}, "status": {"ACTIVE"}}, http.StatusBadRequest)
	e.post("/numbers/num_new", url.Values{"status": {"SUSPENDED"}, "campaignRegId": {"C9"}, "mms": {"on"}}, http.StatusSeeOther)
	audited(operator.ActionNumberUpdate, "num_new")
	e.post("/numbers/num_new/assign", url.Values{"client": {"rc_beta"}}, http.StatusSeeOther)
	audited(operator.ActionNumberAssign, "num_new")
	e.post("/numbers/num_a/assign", url.Values{"client": {"rc_beta"}}, http.StatusConflict)
	n, err := e.op.GetNumber(e.ctx, "num_new")
	must(t, err)
	if n.Status != "SUSPENDED" || n.CampaignRegID == nil || *n.CampaignRegID != "C9" || n.SMSEnabled || !n.MMSEnabled || n.APIClientID != "rc_beta" {
		t.Errorf("num_new: %+v", n)
	}
	e.post("/numbers/num_new/overrides", url.Values{"inboundOverride": {"https://beta.example/in"}, "deliveryOverride": {""}}, http.StatusSeeOther)
	audited(operator.ActionNumberOverrides, "num_new")
	if n, _ := e.op.GetNumber(e.ctx, "num_new"); n.WebhookInboundOverride == nil || *n.WebhookInboundOverride != "https://beta.example/in" {
		t.Errorf("override: %+v", n.WebhookInboundOverride)
	}
	e.post("/numbers/num_new/overrides", url.Values{"inboundOverride": {"ftp://x"}}, http.StatusBadRequest)
	e.post("/numbers/num_new/unassign", nil, http.StatusSeeOther)
	e.post("/numbers/num_new/overrides", url.Values{"inboundOverride": {"https://beta.example/in"}}, http.StatusConflict)
	audited(operator.ActionNumberUnassign, "num_new")

	e.post("/opt-outs", url.Values{"client": {"rc_a"}, "e164": {"+15557654321"}}, http.StatusSeeOther)
	audited(operator.ActionOptOutAdd, "rc_a +15557654321")
	if body := e.get("/opt-outs?client=rc_a", adminToken); !strings.Contains(body, "+15557654321") {
		t.Error("the opt-out is not listed")
	}
	e.post("/opt-outs", url.Values{"client": {"rc_a"}, "e164": {"555"}}, http.StatusBadRequest)
	e.post("/opt-outs/remove", url.Values{"client": {"rc_a"}, "e164": {"+15557654321"}, "reason": {"asked by phone"}}, http.StatusSeeOther)
	audited(operator.ActionOptOutRemove, "rc_a +15557654321")

	// Providers: listed without their password; default and routes set and
	// audited.
	_, err = e.op.AddProvider(e.ctx, operator.ProviderInput{Name: "acme", URL: "smpp://esme:pw-not-shown@smsc.example:2775",
		Binds: 1, Window: 10, EnquireLink: time.Minute, DLRIDFormat: "auto", DCS0: "gsm", Segmentation: "udh"})
	must(t, err)
	if body := e.get("/providers", adminToken); !strings.Contains(body, "smpp://esme@smsc.example:2775") || strings.Contains(body, "pw-not-shown") {
		t.Errorf("providers page:\n%s", body)
	}
	e.post("/providers/default", url.Values{"provider": {"acme"}}, http.StatusSeeOther)
	audited(operator.ActionProviderDefault, "default")
	if body := e.get("/providers", adminToken); !strings.Contains(body, "acme <strong>(default)</strong>") {
		t.Error("the default provider is not marked")
	}
	e.post("/providers/default", url.Values{"provider": {"nope"}}, http.StatusNotFound)
	e.post("/providers/route", url.Values{"number": {"num_a"}, "provider": {"acme"}}, http.StatusSeeOther)
	audited(operator.ActionNumberRoute, "num_a")
	e.post("/providers/route", url.Values{"number": {"num_a"}, "provider": {"nope"}}, http.StatusNotFound)

	r = e.post("/events/"+e.evt.ID+"/replay", nil, http.StatusSeeOther)
	if r.header.Get("Location") != "/messages/"+e.msg.ID+"?done=replayed" {
		t.Errorf("replay: to %s", r.header.Get("Location"))
	}
	audited(operator.ActionEventReplay, e.evt.ID)
	d, err := e.op.GetMessage(e.ctx, e.msg.ID)
	must(t, err)
	if len(d.Events[0].Deliveries) != 2 {
		t.Errorf("after replay: %d deliveries", len(d.Events[0].Deliveries))
	}
	e.post("/events/evt_nope/replay", nil, http.StatusNotFound)
	r = e.post("/webhooks/replay", url.Values{"window": {"1h"}, "apiClientId": {"rc_b"}}, http.StatusSeeOther)
	if r.header.Get("Location") != "/webhooks?window=1h&done=replayed-none" {
		t.Errorf("bulk replay: to %s", r.header.Get("Location"))
	}

	body := e.get("/audit?actor="+url.QueryEscape(adminEmail)+"&target=rc_beta", adminToken)
	if !strings.Contains(body, operator.ActionClientStatus) || !strings.Contains(body, "SUSPENDED") || strings.Contains(body, secret) {
		t.Error("the audit page of rc_beta")
	}
	if r := e.do(http.MethodGet, "/audit?before=garbage", adminToken, nil); r.status != http.StatusBadRequest {
		t.Errorf("bad audit cursor: %d", r.status)
	}
}

// between returns the text of s between the first from and the next to.
func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
