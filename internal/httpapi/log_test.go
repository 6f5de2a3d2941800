package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
)

// TestLogHoldsNoSecrets runs every kind of request, successes and failures,
// then scans the server log: every request is logged by its request id, and
// no access token, client secret or webhook secret appears.
func TestLogHoldsNoSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ids []string
	note := func(r resp) resp {
		ids = append(ids, r.header.Get(redcloud.HeaderRequestID))
		return r
	}
	basic := e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret)
	tok := wantToken(t, note(basic))
	body := e.tokenForm(t, nil, form("grant_type", "client_credentials", "client_id", otherID, "client_secret", otherSecret), "")
	other := wantToken(t, note(body))
	note(e.tokenForm(t, nil, clientCredentials, clientID+":wrong_secret"))
	note(e.tokenForm(t, nil, form("grant_type", "client_credentials", "client_id", clientID, "client_secret", "wrong_secret"), ""))
	note(e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret, redcloud.HeaderSandboxFault, "commit_then_500"))

	hooks := note(e.put(t, "/api/sandbox/webhooks", tok, `{"deliveryUrl":"https://example.com/d","inboundUrl":"https://example.com/i"}`))
	var wh redcloud.SandboxWebhooks
	mustJSON(t, hooks.body, &wh)
	note(e.put(t, "/api/sandbox/webhooks", other, `{"deliveryUrl":"https://example.com/d"}`))

	note(e.get(t, "/api/core/whoami", tok))
	note(e.get(t, "/api/core/whoami", tok[:len(tok)-2]+"xx"))
	note(e.get(t, "/api/core/numbers", tok))
	note(e.post(t, "/api/core/numbers/search", tok, `{"npa":"512","limit":3}`))
	note(e.patch(t, "/api/core/numbers/"+numberID, tok, `{"webhookDeliveryOverride":"https://example.com/override"}`))
	note(e.patch(t, "/api/core/numbers/"+otherNumber, tok, `{"campaignregId":"X"}`))
	sent := note(e.send(t, tok, "log-key", sms(numberID, "secret text rc_at_? no", numberE164, "bad")))
	note(e.send(t, tok, "log-key", sms(numberID, "other text", numberE164, "bad")))
	note(e.send(t, tok, "log-key-2", sms(numberID, "x", numberE164), redcloud.HeaderSandboxFault, "commit_then_500"))
	_, _ = e.try(freshConn(t), request{method: "POST", path: "/api/core/messages/send", token: tok, body: sms(numberID, "x", numberE164),
		header: []string{redcloud.HeaderIdempotencyKey, "log-key-3", redcloud.HeaderSandboxFault, "commit_then_drop"}})
	note(e.get(t, "/api/core/idempotency-keys/"+url.PathEscape("log-key"), tok))
	var s sendResult
	mustJSON(t, sent.body, &s)
	note(e.get(t, "/api/core/messages/"+s.ids()[0], tok))
	note(e.post(t, "/api/sandbox/inbound", other, `{"numberId":"num_def456","from":"+15551234567","text":"hi"}`))
	e.clock.PanicNext()
	note(e.get(t, "/api/core/whoami", tok))
	note(e.get(t, "/api/core/nope", tok))

	logs := e.logs.String()
	for _, id := range ids {
		if !strings.Contains(logs, `"requestId":"`+id+`"`) {
			t.Errorf("request %s is not in the log", id)
		}
	}
	// The send text is the caller's, and "rc_at_" in it would trip the scan
	// below: the log must not hold message content either.
	if strings.Contains(logs, "secret text") {
		t.Error("the log holds message text")
	}
	for _, secret := range []string{tok, other, wh.SigningSecret, clientSecret, otherSecret, "wrong_secret", "rc_at_", "whsec_"} {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs)
	}
}
