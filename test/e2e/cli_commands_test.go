package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/testwait"
)

// TestCLICommands runs every integrator command against a sandbox server,
// in human and --json output, with nothing configured but BASE_URL (the
// defaults are the sandbox's demo client and number).
func TestCLICommands(t *testing.T) {
	t.Parallel()
	s := cliServer(t)
	env := cliEnv(s.base)

	t.Run("token", func(t *testing.T) {
		r := cliWant(t, 0, env, "token")
		if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "rc_at_") {
			t.Fatalf("stdout should be the token alone:\n%s", r)
		}
		if !strings.Contains(r.stderr, "expires") || strings.Contains(r.stderr, "rc_at_") {
			t.Fatalf("stderr should give the expiry and not the token:\n%s", r)
		}
		var j struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
			ExpiresAt   string `json:"expiresAt"`
		}
		cliJSON(t, cliWant(t, 0, env, "token", "--json"), &j)
		if !strings.HasPrefix(j.AccessToken, "rc_at_") || j.TokenType != "bearer" || j.ExpiresIn < 3500 || j.ExpiresIn > 3600 || j.ExpiresAt == "" {
			t.Fatalf("token --json: %+v", j)
		}
	})

	t.Run("whoami", func(t *testing.T) {
		r := cliWant(t, 0, env, "whoami")
		for _, want := range []string{"rc_test_client_123 (Red Cloud Test Client)", "ACTIVE", "messages:send", "1 assigned", "not configured"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("whoami lacks %q:\n%s", want, r)
			}
		}
		var j struct {
			APIClientID     string   `json:"apiClientId"`
			APIClientStatus string   `json:"apiClientStatus"`
			Capabilities    []string `json:"capabilities"`
			AssignedNumbers struct {
				Total int `json:"total"`
			} `json:"assignedNumbers"`
			DeliveryWebhookConfigured *bool `json:"deliveryWebhookConfigured"`
		}
		cliJSON(t, cliWant(t, 0, env, "whoami", "--json"), &j)
		if j.APIClientID != demoID || j.APIClientStatus != "ACTIVE" || len(j.Capabilities) != 4 || j.AssignedNumbers.Total != 1 ||
			j.DeliveryWebhookConfigured == nil || *j.DeliveryWebhookConfigured {
			t.Fatalf("whoami --json: %+v", j)
		}
	})

	t.Run("numbers", func(t *testing.T) {
		r := cliWant(t, 0, env, "numbers")
		for _, want := range []string{"NUMBER ID", "* num_abc123", "+15551234567", "A1B2C3", "ACTIVE"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("numbers lacks %q:\n%s", want, r)
			}
		}
		var j struct {
			Numbers []struct {
				NumberID      string  `json:"numberId"`
				E164          string  `json:"e164"`
				CampaignRegID *string `json:"campaignRegId"`
				SMSEnabled    bool    `json:"smsEnabled"`
			} `json:"numbers"`
		}
		cliJSON(t, cliWant(t, 0, env, "numbers", "--json"), &j)
		if len(j.Numbers) != 1 || j.Numbers[0].NumberID != "num_abc123" || j.Numbers[0].E164 != "+15551234567" ||
			j.Numbers[0].CampaignRegID == nil || *j.Numbers[0].CampaignRegID != "A1B2C3" || !j.Numbers[0].SMSEnabled {
			t.Fatalf("numbers --json: %+v", j)
		}
	})

	t.Run("numbers search", func(t *testing.T) {
		r := cliWant(t, 0, env, "numbers", "search", "--npa", "512", "--limit", "3")
		for _, want := range []string{"RATE CENTER", "512", "Austin", "listed of"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("numbers search lacks %q:\n%s", want, r)
			}
		}
		var j struct {
			Groups []struct {
				NPA     string   `json:"npa"`
				City    string   `json:"city"`
				Numbers []string `json:"numbers"`
			} `json:"groups"`
			Total int `json:"total"`
		}
		cliJSON(t, cliWant(t, 0, env, "numbers", "search", "--city", "austin", "--limit", "3", "--json"), &j)
		listed := 0
		for _, g := range j.Groups {
			listed += len(g.Numbers)
			if g.City != "Austin" || g.NPA != "512" {
				t.Errorf("group %+v does not match --city austin", g)
			}
		}
		if len(j.Groups) == 0 || listed != 3 || j.Total < 3 {
			t.Fatalf("numbers search --json: %+v", j)
		}
		cliWant(t, 2, env, "numbers", "search", "--npa", "12") // a request defect
		cliWant(t, 2, env, "numbers", "nonsense")              // not a subcommand
	})

	t.Run("numbers update", func(t *testing.T) {
		var j struct {
			NumberID                string  `json:"numberId"`
			WebhookDeliveryOverride *string `json:"webhookDeliveryOverride"`
			CampaignRegID           *string `json:"campaignRegId"`
		}
		cliJSON(t, cliWant(t, 0, env, "numbers", "update", "num_abc123", "--delivery-url", "https://example.com/hooks/delivery", "--json"), &j)
		if j.NumberID != "num_abc123" || j.WebhookDeliveryOverride == nil || *j.WebhookDeliveryOverride != "https://example.com/hooks/delivery" ||
			j.CampaignRegID == nil {
			t.Fatalf("numbers update --json: %+v", j)
		}
		// The number defaults to RC_NUMBER_ID; --clear-… sends null.
		r := cliWant(t, 0, append(env, "RC_NUMBER_ID=num_abc123"), "numbers", "update", "--clear-delivery-url")
		if !strings.Contains(r.stdout, "delivery override  -") || !strings.Contains(r.stdout, "campaignRegId      A1B2C3") {
			t.Fatalf("numbers update:\n%s", r)
		}
		cliWant(t, 2, env, "numbers", "update", "num_abc123")                                        // nothing to change
		cliWant(t, 2, env, "numbers", "update", "num_abc123", "--campaign", "X", "--clear-campaign") // contradiction
		cliWant(t, 4, env, "numbers", "update", "num_def456", "--campaign", "X")                     // another client's number
	})

	t.Run("send, message, key", func(t *testing.T) {
		r := cliWant(t, 0, env, "send", "--to", "+15551234567", "--text", "hello", "--external-ref", "order_789")
		for _, want := range []string{"accepted 1 of 1 recipient", "MESSAGE ID", "msg_", "ENCODING", "GSM-7, 1 segment\n",
			"idempotency key", "(generated)", "requestId", "req_"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("send lacks %q:\n%s", want, r)
			}
		}
		type sendJSON struct {
			IdempotencyKey       string `json:"idempotencyKey"`
			IdempotencyKeySource string `json:"idempotencyKeySource"`
			Replayed             bool   `json:"replayed"`
			Partial              bool   `json:"partial"`
			RequestID            string `json:"requestId"`
			Results              []struct {
				To        string  `json:"to"`
				MessageID string  `json:"messageId"`
				Status    string  `json:"status"`
				Encoding  *string `json:"encoding"`
				Segments  int     `json:"segments"`
			} `json:"results"`
			Errors []any `json:"errors"`
		}
		var first, again sendJSON
		args := []string{"send", "--to", "+15551234567", "--text", "order shipped", "--idempotency-key", "idem_order_789", "--external-ref", "order_789", "--json"}
		cliJSON(t, cliWant(t, 0, env, args...), &first)
		if first.IdempotencyKey != "idem_order_789" || first.IdempotencyKeySource != "given" || first.Replayed || first.Partial ||
			len(first.Results) != 1 || !strings.HasPrefix(first.Results[0].MessageID, "msg_") || first.Results[0].Status != "QUEUED" ||
			first.Results[0].Encoding == nil || *first.Results[0].Encoding != "GSM-7" || first.Results[0].Segments != 1 ||
			first.Errors == nil || !strings.HasPrefix(first.RequestID, "req_") {
			t.Fatalf("send --json: %+v", first)
		}
		cliJSON(t, cliWant(t, 0, env, args...), &again)
		if !again.Replayed || again.Results[0].MessageID != first.Results[0].MessageID {
			t.Fatalf("the same key and payload again should replay the same message: %+v then %+v", first, again)
		}
		var gen sendJSON
		cliJSON(t, cliWant(t, 0, env, "send", "--to", "+15551234567", "--text", "x", "--json"), &gen)
		if !strings.HasPrefix(gen.IdempotencyKey, "rc_") || gen.IdempotencyKeySource != "generated" {
			t.Fatalf("a generated key should be printed: %+v", gen)
		}
		// A character outside GSM-7 makes it UCS-2: 71 units are two segments.
		ucs2 := "ça " + strings.Repeat("a", 68)
		if r := cliWant(t, 0, env, "send", "--to", "+15551234567", "--text", ucs2); !strings.Contains(r.stdout, "UCS-2, 2 segments\n") {
			t.Errorf("send of a UCS-2 text lacks its encoding:\n%s", r)
		}
		var u sendJSON
		cliJSON(t, cliWant(t, 0, env, "send", "--to", "+15551234567", "--text", ucs2, "--json"), &u)
		if len(u.Results) != 1 || u.Results[0].Encoding == nil || *u.Results[0].Encoding != "UCS-2" || u.Results[0].Segments != 2 {
			t.Fatalf("send --json of a UCS-2 text: %+v", u)
		}
		r = cliWant(t, 0, env, "message", u.Results[0].MessageID)
		if !strings.Contains(r.stdout, `UCS-2, 2 segments (forced by "ç" U+00E7)`) {
			t.Errorf("message of a UCS-2 text lacks its encoding:\n%s", r)
		}
		var um struct {
			Encoding         *string  `json:"encoding"`
			Segments         int      `json:"segments"`
			NonGSMCharacters []string `json:"nonGsmCharacters"`
		}
		cliJSON(t, cliWant(t, 0, env, "message", u.Results[0].MessageID, "--json"), &um)
		if um.Encoding == nil || *um.Encoding != "UCS-2" || um.Segments != 2 || len(um.NonGSMCharacters) != 1 || um.NonGSMCharacters[0] != "ç" {
			t.Fatalf("message --json of a UCS-2 text: %+v", um)
		}
		var mms sendJSON
		cliJSON(t, cliWant(t, 0, env, "send", "--to", "+15551234567", "--type", "MMS", "--media", "https://example.com/cat.jpg", "--json"), &mms)
		if len(mms.Results) != 1 || mms.Results[0].Encoding != nil || mms.Results[0].Segments != 1 {
			t.Fatalf("send --json of an MMS: %+v", mms)
		}
		if r := cliWant(t, 0, env, "message", mms.Results[0].MessageID); !strings.Contains(r.stdout, "MMS, 1 segment\n") {
			t.Errorf("message of an MMS lacks its encoding line:\n%s", r)
		}

		id := first.Results[0].MessageID
		var m struct {
			MessageID         string  `json:"messageId"`
			Status            string  `json:"status"`
			ExternalReference *string `json:"externalReference"`
			Events            []struct {
				Type     string `json:"type"`
				Sequence int    `json:"sequence"`
			} `json:"events"`
		}
		testwait.Eventually(t, 30*time.Second, func() bool {
			cliJSON(t, cliWant(t, 0, env, "message", id, "--json"), &m)
			return m.Status == "DELIVERED"
		}, "the message to be delivered")
		if m.MessageID != id || m.ExternalReference == nil || *m.ExternalReference != "order_789" || len(m.Events) != 3 ||
			m.Events[2].Type != "message.delivery" || m.Events[2].Sequence != 3 {
			t.Fatalf("message --json: %+v", m)
		}
		r = cliWant(t, 0, env, "message", id)
		for _, want := range []string{id, "DELIVERED", "terminal", "events:", "message.queued", "message.sent", "message.delivery", "order_789",
			"encoding      GSM-7, 1 segment\n"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("message lacks %q:\n%s", want, r)
			}
		}

		r = cliWant(t, 0, env, "key", "idem_order_789")
		for _, want := range []string{"idem_order_789", "first accepted", "sha256:", "202", id} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("key lacks %q:\n%s", want, r)
			}
		}
		var k struct {
			Key      string `json:"key"`
			Status   int    `json:"status"`
			Response struct {
				Results []struct {
					MessageID string `json:"messageId"`
				} `json:"results"`
			} `json:"response"`
		}
		cliJSON(t, cliWant(t, 0, env, "key", "idem_order_789", "--json"), &k)
		if k.Key != "idem_order_789" || k.Status != 202 || len(k.Response.Results) != 1 || k.Response.Results[0].MessageID != id {
			t.Fatalf("key --json: %+v", k)
		}
	})

	t.Run("completion", func(t *testing.T) {
		for shell, want := range map[string]string{"bash": "__start_redcloud", "zsh": "#compdef redcloud", "fish": "complete -c redcloud"} {
			r := cliWant(t, 0, nil, "completion", shell)
			if !strings.Contains(r.stdout, want) {
				t.Errorf("completion %s lacks %q:\n%.500s", shell, want, r.stdout)
			}
		}
		cliWant(t, 2, nil, "completion", "tcsh")
	})

	t.Run("help", func(t *testing.T) {
		r := cliWant(t, 0, nil, "--help")
		for _, want := range []string{"Exit codes", "7  partial send", "BASE_URL", "RC_CLIENT_SECRET", "RC_NUMBER_ID", "completion"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("redcloud --help lacks %q", want)
			}
		}
		for _, cmd := range [][]string{{"token"}, {"whoami"}, {"numbers"}, {"numbers", "search"}, {"numbers", "update"}, {"send"},
			{"message"}, {"key"}, {"listen"}, {"doctor"}, {"completion"}} {
			r := cliWant(t, 0, nil, append(cmd, "--help")...)
			if !strings.Contains(r.stdout, "Examples:") {
				t.Errorf("redcloud %s --help has no example:\n%s", strings.Join(cmd, " "), r.stdout)
			}
		}
	})
}
