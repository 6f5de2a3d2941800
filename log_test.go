package redcloud_test

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
)

// records decodes the JSON log lines of buf.
func records(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// TestLogOneRecordPerAttempt: each attempt is one record with the
// playbook's logging fields, and no record holds a secret or a token.
func TestLogOneRecordPerAttempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.faultOn(sendPath, "server_error", 1)
	c := e.client()
	res, err := c.Send(e.ctx, sms(numberID, "hi", numberE164), redcloud.WithIdempotencyKey("idem_log"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Message(e.ctx, res.Results[0].MessageID); err != nil {
		t.Fatal(err)
	}
	var sends, msgs, tokens []map[string]any
	for _, r := range records(t, e.logs.String()) {
		switch ep, _ := r["endpoint"].(string); {
		case ep == sendPath:
			sends = append(sends, r)
		case ep == tokenPath:
			tokens = append(tokens, r)
		case strings.HasPrefix(ep, strings.TrimSuffix(redcloud.PathMessage, "{messageId}")):
			msgs = append(msgs, r)
		}
	}
	if len(sends) != 2 || len(tokens) != 1 || len(msgs) != 1 {
		t.Fatalf("records: %d send, %d token, %d message; want 2, 1, 1:\n%s", len(sends), len(tokens), len(msgs), e.logs)
	}
	for i, r := range sends {
		for _, k := range []string{"endpoint", "method", "status", "requestTime", "requestId", "externalReference", "idempotencyKey", "attempt"} {
			if _, ok := r[k]; !ok {
				t.Errorf("send record %d lacks %q: %v", i+1, k, r)
			}
		}
		if r["attempt"] != float64(i+1) || r["idempotencyKey"] != "idem_log" || r["externalReference"] != "order_789" || r["method"] != "POST" {
			t.Errorf("send record %d = %v", i+1, r)
		}
		if !strings.HasPrefix(r["requestId"].(string), "req_") {
			t.Errorf("requestId = %v", r["requestId"])
		}
	}
	if sends[0]["status"] != 500.0 || sends[0]["level"] != "WARN" || sends[0]["category"] != "transient" {
		t.Errorf("first attempt record = %v", sends[0])
	}
	if sends[1]["status"] != 202.0 || sends[1]["messageId"] != res.Results[0].MessageID {
		t.Errorf("second attempt record = %v, want 202 and messageId %s", sends[1], res.Results[0].MessageID)
	}
	if msgs[0]["messageId"] != res.Results[0].MessageID || msgs[0]["externalReference"] != "order_789" {
		t.Errorf("message record = %v", msgs[0])
	}
	if found := leaks(e.logs.String()); len(found) > 0 {
		t.Errorf("log holds %q", found)
	}
}

// TestLogNeverHoldsSecrets runs the failure paths that carry credentials —
// a wrong secret, a refused token, a proxy echoing the Authorization header
// — and scans the log.
func TestLogNeverHoldsSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, _ = e.client(func(c *redcloud.Config) { c.ClientSecret = wrongSecret }).WhoAmI(e.ctx)
	e.faultOn(redcloud.PathWhoAmI, "unauthorized")
	c := e.client()
	_, _ = c.WhoAmI(e.ctx)
	_, _ = c.Send(e.ctx, sms(numberID, "hi", numberE164))
	logs := e.logs.String()
	if len(records(t, logs)) < 6 {
		t.Fatalf("too few records to prove anything:\n%s", logs)
	}
	if found := leaks(logs); len(found) > 0 {
		t.Errorf("log holds %q:\n%s", found, logs)
	}
}
