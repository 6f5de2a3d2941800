package e2e_test

import (
	"strings"
	"testing"
)

// cliFailure is what --json prints on stdout for a failure.
type cliFailure struct {
	OK    *bool `json:"ok"`
	Error struct {
		Command        string `json:"command"`
		Shape          string `json:"shape"`
		Category       string `json:"category"`
		Action         string `json:"action"`
		Explanation    string `json:"explanation"`
		Status         int    `json:"status"`
		Code           string `json:"code"`
		Field          string `json:"field"`
		RequestID      string `json:"requestId"`
		IdempotencyKey string `json:"idempotencyKey"`
		Attempts       int    `json:"attempts"`
		Fix            string `json:"fix"`
		ExitCode       int    `json:"exitCode"`
	} `json:"error"`
	Escalation *struct {
		Shape     string `json:"shape"`
		Status    int    `json:"status"`
		RequestID string `json:"requestId"`
		Attempts  []any  `json:"attempts"`
		ErrorBody any    `json:"errorBody"`
	} `json:"escalation"`
}

// TestCLIExitCodes produces a failure of every category with the CLI and
// checks its exit code and the playbook's reading it prints, for humans
// (stderr) and with --json (stdout).
func TestCLIExitCodes(t *testing.T) {
	t.Parallel()
	s := cliServer(t)
	env := cliEnv(s.base)
	send := func(extra ...string) []string {
		return append([]string{"send", "--to", "+15551234567", "--text", "hi"}, extra...)
	}
	tests := []struct {
		name      string
		env       []string
		args      []string
		code      int
		shape     string // of the reading
		category  string
		status    int
		requestID bool     // the reading names a requestId
		stderr    []string // in the human reading
	}{
		{"request defect: E.164 in sendFrom", env, send("--number-id", "+15551234567"), 2, "api", "request_defect", 400, true,
			[]string{"CORE API error, 400 INVALID_REQUEST", "playbook A", "fix_request", "not an E.164 phone number", "requestId", "req_",
				"idempotency key", "nothing was accepted under it", "--number-id (RC_NUMBER_ID) takes a numberId"}},
		{"authentication: wrong secret", cliEnv(s.base, "RC_CLIENT_SECRET=wrong_secret_e2e"), send(), 3, "oauth", "authentication", 401, true,
			[]string{"OAuth token error, 401 invalid_client", "playbook B", "refresh_credentials", "check RC_CLIENT_SECRET", "requestId"}},
		{"authorization: another client's number", env, send("--number-id", "num_def456"), 4, "api", "authorization", 403, true,
			[]string{"CORE API error, 403 FORBIDDEN", "playbook C", "fix_account_configuration", "not owned", "num_def456 is not one of"}},
		{"not found: unknown message", env, []string{"message", "msg_01unknown0000000000000000"}, 8, "api", "not_found", 404, true,
			[]string{"404 NOT_FOUND", "check the messageId"}},
		{"not found: unknown key", env, []string{"key", "never_used_key"}, 8, "api", "not_found", 404, true,
			[]string{"404 NOT_FOUND", "nothing was accepted under this key"}},
		{"transient: nothing listens", cliEnv(cliClosedPort(t)), []string{"whoami"}, 6, "transport", "transient", 0, false,
			[]string{"transport failure", "playbook D", "retry", "attempts     4", "is the server running"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cliWant(t, tt.code, tt.env, tt.args...)
			for _, want := range append(tt.stderr, "✗ "+tt.args[0]+" failed", "category", "action", "explanation") {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("the reading lacks %q:\n%s", want, r)
				}
			}
			var f cliFailure
			cliJSON(t, cliWant(t, tt.code, tt.env, append(tt.args, "--json")...), &f)
			e := f.Error
			if f.OK == nil || *f.OK || e.Shape != tt.shape || e.Category != tt.category || e.Status != tt.status || e.ExitCode != tt.code ||
				e.Action == "" || e.Explanation == "" || e.Fix == "" || e.Command != tt.args[0] || f.Escalation != nil ||
				(tt.requestID != strings.HasPrefix(e.RequestID, "req_")) {
				t.Fatalf("--json reading: %+v", f)
			}
			if tt.args[0] == "send" && e.IdempotencyKey == "" {
				t.Errorf("a failed send's reading should name its idempotency key: %+v", e)
			}
		})
	}

	t.Run("conflict: same key, different text", func(t *testing.T) {
		cliWant(t, 0, env, send("--idempotency-key", "idem_conflict")...)
		r := cliWant(t, 5, env, "send", "--to", "+15551234567", "--text", "changed", "--idempotency-key", "idem_conflict")
		for _, want := range []string{"409 CONFLICT", "conflict", "idem_conflict", "already used with a different payload", "new --idempotency-key"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("the reading lacks %q:\n%s", want, r)
			}
		}
		var f cliFailure
		cliJSON(t, cliWant(t, 5, env, "send", "--to", "+15551234567", "--text", "changed", "--idempotency-key", "idem_conflict", "--json"), &f)
		if f.Error.Category != "conflict" || f.Error.IdempotencyKey != "idem_conflict" || f.Error.Code != "CONFLICT" {
			t.Fatalf("--json reading: %+v", f)
		}
	})

	t.Run("partial: one valid and one invalid recipient", func(t *testing.T) {
		r := cliWant(t, 7, env, "send", "--to", "+15551234567", "--to", "15551234567", "--text", "hi")
		for _, want := range []string{"accepted 1 of 2 recipients", "1 rejected (partial send)", "rejected:", "to must be an E.164 phone number", "idempotency key"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("partial send lacks %q:\n%s", want, r)
			}
		}
		var j struct {
			IdempotencyKey string `json:"idempotencyKey"`
			Partial        bool   `json:"partial"`
			Results        []any  `json:"results"`
			Errors         []struct {
				To    string `json:"to"`
				Index int    `json:"index"`
				Code  string `json:"code"`
			} `json:"errors"`
		}
		cliJSON(t, cliWant(t, 7, env, "send", "--to", "+15551234567", "--to", "15551234567", "--text", "hi", "--json"), &j)
		if !j.Partial || len(j.Results) != 1 || len(j.Errors) != 1 || j.Errors[0].Index != 1 || j.Errors[0].To != "15551234567" || j.IdempotencyKey == "" {
			t.Fatalf("partial --json: %+v", j)
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"send", "--text", "no recipient"},
			{"send", "--to", "+15551234567", "--text", "x", "--type", "FAX"},
			{"send", "--bogus-flag"},
			{"message"},
			{"message", "a", "b"},
			{"whoami", "extra"},
			{"doctor", "--timeout", "0s"},
			{"listen", "--no-register"},
		} {
			r := cliWant(t, 2, env, args...)
			if !strings.Contains(r.stderr, "error:") {
				t.Errorf("a usage error should say what is wrong:\n%s", r)
			}
		}
		cliWant(t, 2, cliEnv("not a url"), "whoami")
	})

	t.Run("escalate", func(t *testing.T) {
		r := cliWant(t, 4, env, append(send("--number-id", "num_def456"), "--escalate")...)
		for _, want := range []string{"Red Cloud escalation package", "shape:", "api", "category:", "authorization", "requestId:", "req_",
			"idempotency key:", "403 FORBIDDEN", "attempts:", "error body (redacted):"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("the escalation package lacks %q:\n%s", want, r)
			}
		}
		if !strings.Contains(r.stderr, "✗ send failed") {
			t.Errorf("the reading should still be on stderr:\n%s", r)
		}
		var f cliFailure
		cliJSON(t, cliWant(t, 4, env, append(send("--number-id", "num_def456"), "--escalate", "--json")...), &f)
		if f.Escalation == nil || f.Escalation.Shape != "api" || f.Escalation.Status != 403 || f.Escalation.RequestID != f.Error.RequestID ||
			len(f.Escalation.Attempts) != 1 || f.Escalation.ErrorBody == nil {
			t.Fatalf("--escalate --json: %+v", f)
		}
	})
}

// TestCLIWarnsOfPlainHTTP: a plain http:// base URL to a host that is not
// loopback gets a warning on stderr (the secret would cross the network in
// the clear); the loopback sandbox does not.
func TestCLIWarnsOfPlainHTTP(t *testing.T) {
	t.Parallel()
	const warning = "plain http:// to a host that is not loopback"
	r := cliRun(t, cliEnv("http://0.0.0.0:1"), "whoami")
	if !strings.Contains(r.stderr, warning) {
		t.Errorf("BASE_URL=http://0.0.0.0:1: no plain-http warning:\n%s", r)
	}
	r = cliRun(t, cliEnv("http://127.0.0.1:1"), "whoami")
	if strings.Contains(r.stderr, warning) {
		t.Errorf("loopback base URL warned:\n%s", r)
	}
}
