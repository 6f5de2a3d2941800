package e2e_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// cliDoctorJSON is what `doctor --json` prints.
type cliDoctorJSON struct {
	OK     bool `json:"ok"`
	Checks []struct {
		Name   string `json:"name"`
		Result string `json:"result"`
		Detail string `json:"detail"`
		Fix    string `json:"fix"`
		Error  *struct {
			Shape    string `json:"shape"`
			Category string `json:"category"`
			Code     string `json:"code"`
			Status   int    `json:"status"`
		} `json:"error"`
	} `json:"checks"`
	Drills *struct {
		OK      bool   `json:"ok"`
		Sandbox bool   `json:"sandbox"`
		Refused bool   `json:"refused"`
		Detail  string `json:"detail"`
		Passed  int    `json:"passed"`
		Failed  int    `json:"failed"`
		Drills  []struct {
			Name   string `json:"name"`
			Result string `json:"result"`
			Saw    []struct {
				Shape     string `json:"shape"`
				Category  string `json:"category"`
				Status    int    `json:"status"`
				RequestID string `json:"requestId"`
			} `json:"saw"`
			Did string `json:"did"`
		} `json:"drills"`
	} `json:"drills"`
}

// results maps each check's name to its result.
func (d cliDoctorJSON) results() map[string]string {
	m := map[string]string{}
	for _, c := range d.Checks {
		m[c.Name] = c.Result
	}
	return m
}

// TestCLIDoctor: doctor passes on the sandbox with a test send, and fails
// with the right advice when the secret is wrong and when the number has no
// campaignRegId.
func TestCLIDoctor(t *testing.T) {
	t.Parallel()
	s := cliServer(t)
	env := cliEnv(s.base)

	r := cliWant(t, 0, env, "doctor", "--send-to", "+15551234567")
	for _, want := range []string{"PASS  config", "PASS  token", "PASS  whoami", "WARN  webhooks", "PASS  number", "PASS  send", "PASS  delivery",
		"PASS  server", "DELIVERED", "0 failed", "ready to send"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r)
		}
	}
	if !strings.Contains(r.stderr, "is QUEUED") && !strings.Contains(r.stderr, "is DELIVERED") {
		t.Errorf("doctor should show the delivery's progress on stderr:\n%s", r)
	}
	var d cliDoctorJSON
	cliJSON(t, cliWant(t, 0, env, "doctor", "--json", "--send-to", "+15551234567"), &d)
	want := map[string]string{"config": "pass", "token": "pass", "whoami": "pass", "webhooks": "warn", "number": "pass", "send": "pass", "delivery": "pass", "server": "pass"}
	if got := d.results(); !d.OK || len(got) != len(want) || d.Drills != nil {
		t.Fatalf("doctor --json: %+v", d)
	} else {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("check %s = %s, want %s", k, got[k], v)
			}
		}
	}
	// Without --send-to nothing is sent.
	cliJSON(t, cliWant(t, 0, env, "doctor", "--json"), &d)
	if got := d.results(); got["send"] != "skip" || got["delivery"] != "skip" {
		t.Fatalf("doctor without --send-to: %+v", got)
	}

	t.Run("wrong secret", func(t *testing.T) {
		bad := cliEnv(s.base, "RC_CLIENT_SECRET=wrong_secret_e2e")
		r := cliWant(t, 3, bad, "doctor")
		for _, want := range []string{"FAIL  token", "invalid_client", "check RC_CLIENT_SECRET", "SKIP  whoami", "1 failed", "secret set (env RC_CLIENT_SECRET)"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("doctor with a wrong secret lacks %q:\n%s", want, r)
			}
		}
		var d cliDoctorJSON
		cliJSON(t, cliWant(t, 3, bad, "doctor", "--json"), &d)
		tok := d.Checks[1]
		if d.OK || tok.Name != "token" || tok.Result != "fail" || tok.Error == nil || tok.Error.Shape != "oauth" ||
			tok.Error.Category != "authentication" || tok.Error.Code != "invalid_client" || !strings.Contains(tok.Fix, "RC_CLIENT_SECRET") {
			t.Fatalf("doctor --json with a wrong secret: %+v", d)
		}
	})

	t.Run("no campaignRegId", func(t *testing.T) {
		var n struct {
			CampaignRegID *string `json:"campaignRegId"`
		}
		cliJSON(t, cliWant(t, 0, env, "numbers", "update", "num_abc123", "--clear-campaign", "--json"), &n)
		if n.CampaignRegID != nil {
			t.Fatalf("campaignRegId not cleared: %v", *n.CampaignRegID)
		}
		r := cliWant(t, 1, env, "doctor", "--send-to", "+15551234567")
		for _, want := range []string{"FAIL  number", "has no campaignRegId", "redcloud numbers update num_abc123 --campaign", "SKIP  send"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("doctor without a campaignRegId lacks %q:\n%s", want, r)
			}
		}
		// The send itself is refused as a request defect, with the same fix.
		r = cliWant(t, 2, env, "send", "--to", "+15551234567", "--text", "hi")
		if !strings.Contains(r.stderr, "campaignregId") || !strings.Contains(r.stderr, "redcloud numbers update num_abc123 --campaign") {
			t.Errorf("send without a campaignRegId:\n%s", r)
		}
		cliWant(t, 0, env, "numbers", "update", "num_abc123", "--campaign", "A1B2C3")
		cliWant(t, 0, env, "doctor")
	})
}

// TestCLIDoctorDrills: every production-readiness drill passes on the
// sandbox, and the drills are refused against a server that is not one.
func TestCLIDoctorDrills(t *testing.T) {
	t.Parallel()
	s := cliServer(t)
	env := cliEnv(s.base)
	r := cliWant(t, 0, env, "doctor", "--drills", "--send-to", "+15551234567")
	for _, want := range []string{"drills against", "sandbox", "PASS  invalid credentials", "PASS  expired token", "PASS  invalid sendFrom",
		"PASS  missing Idempotency-Key", "PASS  webhook signature failure", "PASS  endpoint temporarily down", "PASS  answer lost after commit",
		"saw  OAuth token error", "401 invalid_client", "fetched a new token", "2 token requests", "500 SERVER_ERROR", "502 UPSTREAM_ERROR",
		"the same Idempotency-Key", "Idempotent-Replayed: true", "no duplicate", "drills: 8 passed, 0 failed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor --drills lacks %q:\n%s", want, r)
		}
	}
	var d cliDoctorJSON
	cliJSON(t, cliWant(t, 0, env, "doctor", "--drills", "--json"), &d)
	if !d.OK || d.Drills == nil || !d.Drills.OK || !d.Drills.Sandbox || d.Drills.Passed != 8 || d.Drills.Failed != 0 || len(d.Drills.Drills) != 8 {
		t.Fatalf("doctor --drills --json: %+v", d)
	}
	for _, x := range d.Drills.Drills {
		if x.Result != "pass" || x.Did == "" {
			t.Errorf("drill %+v", x)
		}
		if x.Name != "webhook signature failure" && (len(x.Saw) == 0 || x.Saw[0].Category == "" || x.Saw[0].Shape == "") {
			t.Errorf("drill %q shows nothing the client saw: %+v", x.Name, x.Saw)
		}
	}
}

// TestCLISandboxOnlyOutsideSandbox: against a server that is not in sandbox
// mode, doctor --drills refuses the drills and listen cannot register
// itself, each saying why.
func TestCLISandboxOnlyOutsideSandbox(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "prod.db")
	cliWant(t, 0, nil, "admin", "account", "create", "--name", "E2E", "--id", "acct_e2e", "--db", db)
	var creds struct {
		ID     string `json:"apiClientId"`
		Secret string `json:"clientSecret"`
	}
	cliJSON(t, cliWant(t, 0, nil, "admin", "client", "create", "--account", "acct_e2e", "--name", "E2E", "--id", "e2e_client", "--db", db, "--json"), &creds)
	// A number without a provider route, and no default provider: its
	// messages would fail NO_ROUTE, which doctor reports from /readyz.
	cliWant(t, 0, nil, "admin", "number", "add", "--e164", "+15125550100", "--client", "e2e_client", "--db", db)
	s := start(t, "--sandbox=false", "--db", db)
	env := cliEnv(s.base, "RC_CLIENT_ID="+creds.ID, "RC_CLIENT_SECRET="+creds.Secret)

	var d cliDoctorJSON
	r := cliRun(t, env, "doctor", "--drills", "--json")
	cliJSON(t, r, &d)
	if r.code == 0 || d.OK || d.Drills == nil || !d.Drills.Refused || d.Drills.Sandbox || len(d.Drills.Drills) != 0 ||
		!strings.Contains(d.Drills.Detail, "not a sandbox") {
		t.Fatalf("doctor --drills outside the sandbox:\n%s", r)
	}
	if got := d.results(); got["token"] != "pass" || got["whoami"] != "pass" || got["number"] != "fail" || got["server"] != "warn" {
		t.Errorf("checks outside the sandbox: %v", got)
	}
	for _, c := range d.Checks {
		if c.Name == "server" && (!strings.Contains(c.Detail, "without a provider route: 1") || !strings.Contains(c.Detail, "NO_ROUTE")) {
			t.Errorf("server check: %+v", c)
		}
	}
	r = cliWant(t, 2, env, "listen", "--port", "0")
	if !strings.Contains(r.stderr, "not a sandbox server") || !strings.Contains(r.stderr, "--no-register --secret") {
		t.Errorf("listen outside the sandbox:\n%s", r)
	}
}
