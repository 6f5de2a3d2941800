package e2e_test

import (
	"strings"
	"testing"
)

// TestCLIMessages lists sent messages with the built binary: a filtered
// table, a page of --json whose nextCursor the next run follows, --all as
// JSON lines, and a bad filter as a request defect (exit code 2) naming
// the parameter.
func TestCLIMessages(t *testing.T) {
	t.Parallel()
	s := cliServer(t)
	env := cliEnv(s.base)
	var ids []string
	for _, ref := range []string{"order_1", "order_2", "order_2"} {
		var res struct {
			Results []struct {
				MessageID string `json:"messageId"`
			} `json:"results"`
		}
		cliJSON(t, cliWant(t, 0, env, "send", "--to", "+15005550100", "--text", "hi", "--external-ref", ref, "--json"), &res)
		ids = append(ids, res.Results[0].MessageID)
	}

	r := cliWant(t, 0, env, "messages", "--external-reference", "order_2")
	for _, want := range []string{"MESSAGE ID", ids[1], ids[2], "order_2"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("messages lacks %q:\n%s", want, r)
		}
	}
	if strings.Contains(r.stdout, ids[0]) || strings.Contains(r.stdout, "more:") {
		t.Errorf("messages --external-reference order_2 listed order_1 or a next page:\n%s", r)
	}

	var page struct {
		Messages []struct {
			MessageID string `json:"messageId"`
		} `json:"messages"`
		NextCursor *string `json:"nextCursor"`
	}
	cliJSON(t, cliWant(t, 0, env, "messages", "--limit", "2", "--json"), &page)
	if len(page.Messages) != 2 || page.Messages[0].MessageID != ids[2] || page.NextCursor == nil {
		t.Fatalf("first page of 2: %+v", page)
	}
	cursor := *page.NextCursor
	page.NextCursor = nil
	cliJSON(t, cliWant(t, 0, env, "messages", "--limit", "2", "--cursor", cursor, "--json"), &page)
	if len(page.Messages) != 1 || page.Messages[0].MessageID != ids[0] || page.NextCursor != nil {
		t.Fatalf("second page: %+v", page)
	}

	r = cliWant(t, 0, env, "messages", "--all", "--limit", "1", "--json")
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 3 || !strings.Contains(lines[2], ids[0]) {
		t.Errorf("messages --all --json: want 3 lines, the oldest last:\n%s", r)
	}

	r = cliWant(t, 2, env, "messages", "--status", "LOST")
	if !strings.Contains(r.stdout+r.stderr, "status must be one of") {
		t.Errorf("a bad status should be explained:\n%s", r)
	}
	cliWant(t, 2, env, "messages", "--created-after", "yesterday")
}
