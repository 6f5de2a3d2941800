package admin_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud/internal/admin"
	"github.com/redcloud-core/redcloud/internal/command"
	"github.com/redcloud-core/redcloud/internal/operator"
)

// runAdminStdin runs an admin command with stdin.
func (c *adminCLI) runStdin(t *testing.T, stdin string, args ...string) adminResult {
	t.Helper()
	root := &cobra.Command{Use: "redcloud", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(admin.Command())
	root.SetArgs(append(args, "--db", c.db))
	var out, errb bytes.Buffer
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errb)
	code := 0
	if err := root.ExecuteContext(context.Background()); err != nil {
		errb.WriteString("error: " + err.Error() + "\n")
		code = command.Code(err)
	}
	return adminResult{stdout: out.String(), stderr: errb.String(), code: code}
}

// testAdminOperator: add prints a generated password once (or takes one on
// stdin), list never shows a hash, reset-password and remove; the
// passwords work at the operator's login; every change is audited as the
// CLI's.
func testAdminOperator(t *testing.T, c *adminCLI) {
	out := c.ok(t, "admin", "operator", "add", "Ann@Example.com", "--role", "admin")
	_, pw, ok := strings.Cut(out, "password  ")
	pw = strings.TrimSpace(pw)
	if !ok || len(pw) < operator.MinPasswordLength || !strings.Contains(out, "operator ann@example.com (admin) added") {
		t.Fatalf("add printed %q", out)
	}
	r := c.runStdin(t, "correct horse battery\n", "admin", "operator", "add", "vic@example.com", "--role", "viewer", "--password-stdin")
	if r.code != 0 || strings.Contains(r.stdout, "password  ") {
		t.Fatalf("add --password-stdin: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	c.fails(t, 2, `--role "root": a role is admin or viewer`, "admin", "operator", "add", "x@example.com", "--role", "root")
	c.fails(t, 2, `EMAIL "nope" is not an email address`, "admin", "operator", "add", "nope", "--role", "admin")
	c.fails(t, 1, "operator ann@example.com already exists", "admin", "operator", "add", "ann@example.com", "--role", "viewer")
	r = c.runStdin(t, "short\n", "admin", "operator", "add", "y@example.com", "--role", "admin", "--password-stdin")
	checkAdminFailure(t, r, 2, "the password must be 12-256 characters", []string{"add --password-stdin short"})
	r = c.runStdin(t, "", "admin", "operator", "add", "y@example.com", "--role", "admin", "--password-stdin")
	checkAdminFailure(t, r, 2, "stdin holds no password", []string{"add --password-stdin empty"})

	list := c.ok(t, "admin", "operator", "list")
	if !strings.Contains(list, "ann@example.com") || !strings.Contains(list, "viewer") || strings.Contains(list, "argon2") {
		t.Errorf("list: %q", list)
	}
	js := adminOKJSON[[]map[string]any](t, c, "admin", "operator", "list")
	if len(js) != 2 || js[0]["email"] != "ann@example.com" || js[0]["password"] != nil {
		t.Errorf("list --json: %+v", js)
	}

	db := c.open(t)
	op := operator.New(db, operator.Config{})
	ctx := context.Background()
	if _, err := op.Login(ctx, "ann@example.com", pw, "cli-test"); err != nil {
		t.Errorf("the printed password: %v", err)
	}
	if _, err := op.Login(ctx, "vic@example.com", "correct horse battery", "cli-test"); err != nil {
		t.Errorf("the password from stdin: %v", err)
	}
	out = c.ok(t, "admin", "operator", "reset-password", "ann@example.com")
	_, pw2, _ := strings.Cut(out, "password  ")
	if pw2 = strings.TrimSpace(pw2); pw2 == "" || pw2 == pw {
		t.Errorf("reset-password printed %q", out)
	}
	if _, err := op.Login(ctx, "ann@example.com", pw2, "cli-test"); err != nil {
		t.Errorf("the reset password: %v", err)
	}
	c.fails(t, 1, "last admin", "admin", "operator", "remove", "ann@example.com")
	c.ok(t, "admin", "operator", "remove", "vic@example.com")
	c.fails(t, 1, "operator vic@example.com not found", "admin", "operator", "remove", "vic@example.com")

	entries := adminOKJSON[[]map[string]any](t, c, "admin", "audit", "list", "--action", operator.ActionOperatorAdd)
	if len(entries) != 2 || !strings.HasPrefix(entries[0]["actor"].(string), "cli:") || entries[0]["target"] != "vic@example.com" {
		t.Errorf("audit list: %+v", entries)
	}
	text := c.ok(t, "admin", "audit", "list", "--limit", "3")
	if !strings.Contains(text, operator.ActionOperatorRemove) || strings.Count(text, "\n") != 4 {
		t.Errorf("audit list --limit 3:\n%s", text)
	}
	c.fails(t, 2, "--limit must be 1-500", "admin", "audit", "list", "--limit", "0")
}

// testAdminNumberOverrides: set and clear an assigned number's overrides;
// the URL rules name the flags; an inventory number has none; audited.
func testAdminNumberOverrides(t *testing.T, c *adminCLI) {
	cl := c.newClient(t)
	c.ok(t, "admin", "number", "add", "--e164", "+15125550100", "--id", "num_o", "--client", cl.APIClientID)
	c.ok(t, "admin", "number", "add", "--e164", "+15125550101", "--id", "num_free")
	out := c.ok(t, "admin", "number", "set-overrides", "num_o", "--inbound-url", "https://o.example/in")
	if !strings.Contains(out, "https://o.example/in") {
		t.Errorf("set-overrides printed %q", out)
	}
	c.fails(t, 2, "--delivery-url", "admin", "number", "set-overrides", "num_o", "--delivery-url", "http://o.example/d")
	c.fails(t, 2, "nothing to change", "admin", "number", "set-overrides", "num_o")
	c.fails(t, 1, "is in the inventory", "admin", "number", "set-overrides", "num_free", "--clear-inbound")
	out = c.ok(t, "admin", "number", "set-overrides", "+15125550100", "--clear-inbound")
	if strings.Contains(out, "https://o.example/in") {
		t.Errorf("--clear-inbound printed %q", out)
	}
	entries := adminOKJSON[[]map[string]any](t, c, "admin", "audit", "list", "--action", operator.ActionNumberOverrides)
	if len(entries) != 2 || entries[0]["target"] != "num_o" {
		t.Errorf("audit: %+v", entries)
	}
}
