package admin_test

import (
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// clientShown is the part of client show --json these tests read.
type clientShown struct {
	KeywordReplies map[string]struct {
		Text     string `json:"text"`
		Default  bool   `json:"default"`
		Encoding string `json:"encoding"`
		Segments int    `json:"segments"`
	} `json:"keywordReplies"`
}

func testAdminKeywordReplies(t *testing.T, c *adminCLI) {
	cl := c.newClient(t)
	id := cl.APIClientID
	replies := func() platform.KeywordReplies { t.Helper(); return c.client(t, id).KeywordReplies }

	// A new client answers with the defaults.
	shown := adminOKJSON[clientShown](t, c, "admin", "client", "show", id)
	if r := shown.KeywordReplies["stop"]; r.Text != platform.ReplyOptOut || !r.Default || r.Encoding != "GSM-7" || r.Segments != 1 {
		t.Errorf("show --json stop reply %+v, want the default", r)
	}
	out := c.ok(t, "admin", "client", "show", id)
	if !strings.Contains(out, "STOP reply") || !strings.Contains(out, "default, 1 segment GSM-7: \""+platform.ReplyOptOut+"\"") {
		t.Errorf("show:\n%s", out)
	}

	out = c.ok(t, "admin", "client", "replies", id, "--stop", "Acme: unsubscribed. Text START to rejoin.", "--help-text", "Acme help: acme.example/sms ✓")
	want := platform.KeywordReplies{OptOut: "Acme: unsubscribed. Text START to rejoin.", Help: "Acme help: acme.example/sms ✓"}
	if got := replies(); got != want {
		t.Errorf("stored %+v, want %+v", got, want)
	}
	for _, s := range []string{"keyword replies of api client " + id, `custom, 1 segment GSM-7: "Acme: unsubscribed.`,
		`START reply  default`, `custom, 1 segment UCS-2: "Acme help: acme.example/sms ✓"`} {
		if !strings.Contains(out, s) {
			t.Errorf("replies output lacks %q:\n%s", s, out)
		}
	}
	shown = adminOKJSON[clientShown](t, c, "admin", "client", "show", id)
	if r := shown.KeywordReplies["help"]; r.Text != want.Help || r.Default || r.Encoding != "UCS-2" {
		t.Errorf("show --json help reply %+v", r)
	}
	if r := shown.KeywordReplies["start"]; r.Text != platform.ReplyOptIn || !r.Default {
		t.Errorf("show --json start reply %+v, want the default", r)
	}
	// Without a flag, the replies are shown; nothing changes.
	if out := c.ok(t, "admin", "client", "replies", id); !strings.Contains(out, "Acme: unsubscribed.") || replies() != want {
		t.Errorf("replies without flags:\n%s", out)
	}

	// Bad input is refused, names its flag, and changes nothing.
	c.fails(t, 2, "--stop reply must not be blank", "admin", "client", "replies", id, "--stop", "  ")
	c.fails(t, 2, "--help-text reply is 4 SMS segments (GSM-7); at most 3", "admin", "client", "replies", id, "--help-text", strings.Repeat("a", 460))
	c.fails(t, 2, "--start reply must not contain control characters", "admin", "client", "replies", id, "--start", "hi\x07")
	c.fails(t, 2, "--reset puts every reply back to its default", "admin", "client", "replies", id, "--reset", "--stop", "x")
	c.fails(t, 1, "api client rc_nobody not found", "admin", "client", "replies", "rc_nobody", "--stop", "x")
	if got := replies(); got != want {
		t.Errorf("refused changes altered the replies: %+v", got)
	}

	c.ok(t, "admin", "client", "replies", id, "--reset")
	if got := replies(); got != (platform.KeywordReplies{}) {
		t.Errorf("after --reset: %+v", got)
	}
}
