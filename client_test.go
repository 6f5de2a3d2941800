package redcloud_test

import (
	"errors"
	"testing"

	"github.com/redcloud-core/redcloud"
)

// TestCalls walks the integration path through every call against the real
// server.
func TestCalls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	who, err := c.WhoAmI(e.ctx)
	if err != nil || who.APIClientID != clientID || who.APIClientStatus != redcloud.StatusActive || who.AssignedNumbers.Total != 1 {
		t.Fatalf("WhoAmI = %+v, %v", who, err)
	}
	nums, err := c.Numbers(e.ctx)
	if err != nil || len(nums) != 1 || nums[0].NumberID != numberID || nums[0].E164 != numberE164 {
		t.Fatalf("Numbers = %+v, %v", nums, err)
	}
	found, err := c.SearchNumbers(e.ctx, redcloud.NumberSearch{NPA: "512", City: "austin", Limit: 3})
	if err != nil || found.Total != 40 || len(found.Groups) == 0 || found.Groups[0].City != "Austin" {
		t.Fatalf("SearchNumbers = %+v, %v", found, err)
	}
	n, err := c.UpdateNumber(e.ctx, numberID, redcloud.NumberUpdate{
		CampaignRegID:           redcloud.SetTo("B2C3D4"),
		WebhookDeliveryOverride: redcloud.Clear(),
	})
	if err != nil || n.CampaignRegID == nil || *n.CampaignRegID != "B2C3D4" || n.WebhookDeliveryOverride != nil {
		t.Fatalf("UpdateNumber = %+v, %v", n, err)
	}
	res, err := c.Send(e.ctx, sms(numberID, "hello", numberE164), redcloud.WithIdempotencyKey("idem_order_789"))
	if err != nil || len(res.Results) != 1 || res.IdempotencyKey != "idem_order_789" || res.Partial() || res.Replayed {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	m, err := c.Message(e.ctx, res.Results[0].MessageID)
	if err != nil || m.MessageID != res.Results[0].MessageID || m.To != numberE164 || *m.ExternalReference != "order_789" ||
		len(m.Events) != 1 || m.Events[0].Type != "message.queued" {
		t.Fatalf("Message = %+v, %v", m, err)
	}
	rec, err := c.IdempotencyKey(e.ctx, "idem_order_789")
	if err != nil || rec.Key != "idem_order_789" || rec.Status != 202 {
		t.Fatalf("IdempotencyKey = %+v, %v", rec, err)
	}
	if n := len(e.rec.requests(tokenPath)); n != 1 {
		t.Errorf("token requests = %d, want 1 (cached)", n)
	}
	// Each request carried the documented headers.
	for _, x := range e.rec.requests("") {
		if x.path != tokenPath && (len(x.auth) < 20 || x.auth[:7] != "Bearer ") {
			t.Errorf("%s %s: Authorization %q", x.method, x.path, x.auth)
		}
		if x.path == tokenPath && x.auth[:6] != "Basic " {
			t.Errorf("token request: Authorization is not Basic")
		}
	}
}

// TestNewClientConfig: required fields and unusable base URLs are refused
// with a *ValidationError; the zero value of everything else works.
func TestNewClientConfig(t *testing.T) {
	t.Parallel()
	ok := redcloud.Config{ClientID: clientID, ClientSecret: clientSecret}
	if _, err := redcloud.NewClient(ok); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for _, tc := range []struct {
		name  string
		cfg   redcloud.Config
		field string
	}{
		{"no client id", redcloud.Config{ClientSecret: "s"}, "Config.ClientID"},
		{"no secret", redcloud.Config{ClientID: "c"}, "Config.ClientSecret"},
		{"relative URL", redcloud.Config{ClientID: "c", ClientSecret: "s", BaseURL: "api.example"}, "Config.BaseURL"},
		{"ftp", redcloud.Config{ClientID: "c", ClientSecret: "s", BaseURL: "ftp://api.example"}, "Config.BaseURL"},
		{"credentials in URL", redcloud.Config{ClientID: "c", ClientSecret: "s", BaseURL: "https://u:p@api.example"}, "Config.BaseURL"},
		{"query", redcloud.Config{ClientID: "c", ClientSecret: "s", BaseURL: "https://api.example/?x=1"}, "Config.BaseURL"},
	} {
		_, err := redcloud.NewClient(tc.cfg)
		var ve *redcloud.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: err = %v, want a *ValidationError for %s", tc.name, err, tc.field)
		}
	}
}

// TestBaseURLPrefix: a base URL with a path prefix and a trailing slash.
func TestBaseURLPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(func(c *redcloud.Config) { c.BaseURL = e.srv.URL + "/" })
	if _, err := c.WhoAmI(e.ctx); err != nil {
		t.Fatal(err)
	}
	c = e.client(func(c *redcloud.Config) { c.BaseURL = e.srv.URL + "/prefix" })
	_, err := c.WhoAmI(e.ctx)
	if ae := asOAuthError(t, err); ae.StatusCode != 404 || ae.Endpoint != tokenPath {
		t.Errorf("prefixed: %v", err)
	}
	if x := e.rec.requests("/prefix" + redcloud.PathToken); len(x) != 1 {
		t.Errorf("the prefix was not used: %v", e.rec.requests(""))
	}
}
