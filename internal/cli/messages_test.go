package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/cli"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// sandboxServer starts a sandbox API on a seeded SQLite database whose
// demo number sends 1 segment per second.
func sandboxServer(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "redcloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(time.Now())); err != nil {
		t.Fatal(err)
	}
	rate := 1.0
	mps := &rate
	if err := db.SetNumberAttrs(ctx, redcloud.SandboxNumberID, store.NumberAttrs{MPS: &mps}); err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Store: db, Sandbox: true, AuthCacheTTL: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv.URL
}

// run runs the integrator's command name with args in process.
func run(t *testing.T, base, name string, args ...string) string {
	t.Helper()
	for _, c := range cli.Commands() {
		if c.Name() != name {
			continue
		}
		var out, errOut bytes.Buffer
		c.SetOut(&out)
		c.SetErr(&errOut)
		c.SetArgs(append(args, "--base-url", base, "--client-id", redcloud.SandboxClientID, "--client-secret", redcloud.SandboxClientSecret))
		if err := c.Execute(); err != nil {
			t.Fatalf("%s %v: %v\n%s%s", name, args, err, out.String(), errOut.String())
		}
		return out.String()
	}
	t.Fatalf("no %s command", name)
	return ""
}

// TestMessagesWaiting: --waiting lists the messages waiting for their
// number's rate, with their estimated send time in the table and in
// --json.
func TestMessagesWaiting(t *testing.T) {
	t.Parallel()
	base := sandboxServer(t)
	c, err := redcloud.NewClient(redcloud.Config{BaseURL: base, ClientID: redcloud.SandboxClientID, ClientSecret: redcloud.SandboxClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	for range 3 {
		res, err := c.Send(context.Background(), redcloud.SendRequest{SendFrom: redcloud.SandboxNumberID, To: []string{"+15005550100"},
			MessageType: redcloud.MessageTypeSMS, Text: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, res.Results[0].MessageID)
	}

	var page redcloud.MessageList
	if err := json.Unmarshal([]byte(run(t, base, "messages", "--waiting", "--json")), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Messages) != 2 || page.Messages[0].MessageID != sent[2] || page.Messages[1].MessageID != sent[1] {
		t.Fatalf("--waiting --json listed %+v, want the last two sent", page.Messages)
	}
	table := run(t, base, "messages", "--waiting")
	if !strings.Contains(table, "QUEUED UNTIL") || strings.Contains(table, sent[0]) {
		t.Errorf("--waiting table:\n%s", table)
	}
	for _, m := range page.Messages {
		if m.QueuedUntil == nil {
			t.Fatalf("%s has no queuedUntil", m.MessageID)
		}
		until := m.QueuedUntil.UTC().Format("2006-01-02T15:04:05.000Z")
		if !strings.Contains(table, m.MessageID) || !strings.Contains(table, until) {
			t.Errorf("--waiting table lacks %s until %s:\n%s", m.MessageID, until, table)
		}
	}
	if all := run(t, base, "messages"); !strings.Contains(all, sent[0]) || !strings.Contains(all, "STATUS") {
		t.Errorf("without --waiting:\n%s", all)
	}
}
