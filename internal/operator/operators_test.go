package operator_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/store"
)

func TestOperatorInputValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in         operator.OperatorInput
		field, msg string
	}{
		{operator.OperatorInput{Email: "a@example.com", Role: "admin"}, "", ""},
		{operator.OperatorInput{Email: " A@Example.COM ", Role: "viewer", Password: "twelve chars"}, "", ""},
		{operator.OperatorInput{Email: "", Role: "admin"}, "email", "is not an email address"},
		{operator.OperatorInput{Email: "Alice <a@example.com>", Role: "admin"}, "email", "is not an email address"},
		{operator.OperatorInput{Email: "a@example.com", Role: "root"}, "role", `role "root": a role is admin or viewer`},
		{operator.OperatorInput{Email: "a@example.com", Role: "admin", Password: "short"}, "password", "password must be 12-256 characters"},
		{operator.OperatorInput{Email: "a@example.com", Role: "admin", Password: strings.Repeat("x", 257)}, "password", "password must be 12-256"},
	} {
		err := tc.in.Validate()
		if tc.msg == "" {
			if err != nil {
				t.Errorf("Validate(%+v) = %v", tc.in, err)
			}
			continue
		}
		wantError(t, err, redcloud.CodeInvalidRequest, tc.field, tc.msg)
	}
}

// TestOperatorAccounts: add (generated or given password, shown once,
// stored hashed), list, reset (old sessions end), remove (not the last
// admin).
func TestOperatorAccounts(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := e.ctx
		a, pw, err := e.op.AddOperator(ctx, operator.OperatorInput{Email: "Ann@Example.com", Role: operator.RoleAdmin})
		if err != nil || a.Email != "ann@example.com" || len(pw) < operator.MinPasswordLength || !a.IsAdmin() {
			t.Fatalf("add: %+v %q %v", a, pw, err)
		}
		_, _, err = e.op.AddOperator(ctx, operator.OperatorInput{Email: "ann@example.com", Role: operator.RoleViewer})
		wantError(t, err, redcloud.CodeConflict, "", "operator ann@example.com already exists")
		_, vpw, err := e.op.AddOperator(ctx, operator.OperatorInput{Email: "vic@example.com", Role: operator.RoleViewer, Password: "correct horse battery"})
		if err != nil || vpw != "correct horse battery" {
			t.Fatalf("add viewer: %q %v", vpw, err)
		}
		stored, err := e.db.GetOperatorByEmail(ctx, "ann@example.com")
		if err != nil || strings.Contains(stored.PasswordHash, pw) || !strings.HasPrefix(stored.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Errorf("stored hash %q, %v", stored.PasswordHash, err)
		}
		list, err := e.op.ListOperators(ctx)
		if err != nil || len(list) != 2 || list[0].Email != "ann@example.com" || list[1].Role != operator.RoleViewer {
			t.Errorf("list %+v %v", list, err)
		}

		s, err := e.op.Login(ctx, "ann@example.com", pw, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		newPW, err := e.op.ResetPassword(ctx, "ANN@example.com", "")
		if err != nil || newPW == pw {
			t.Fatalf("reset: %q %v", newPW, err)
		}
		if _, _, err := e.op.LookupSession(ctx, s.Token); err == nil {
			t.Error("a session outlived a password reset")
		}
		if _, err := e.op.Login(ctx, "ann@example.com", pw, "192.0.2.1"); err == nil {
			t.Error("the old password still logs in")
		}
		if _, err := e.op.Login(ctx, "ann@example.com", newPW, "192.0.2.1"); err != nil {
			t.Errorf("the new password: %v", err)
		}
		_, err = e.op.ResetPassword(ctx, "ann@example.com", "short")
		wantError(t, err, redcloud.CodeInvalidRequest, "password", "password must be")
		_, err = e.op.ResetPassword(ctx, "nobody@example.com", "")
		wantError(t, err, redcloud.CodeNotFound, "", "operator nobody@example.com not found")

		err = e.op.RemoveOperator(ctx, "ann@example.com")
		wantError(t, err, redcloud.CodeConflict, "", "last admin")
		if err := e.op.RemoveOperator(ctx, "vic@example.com"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.op.Login(ctx, "vic@example.com", vpw, "192.0.2.1"); err == nil {
			t.Error("a removed operator logs in")
		}
		wantError(t, e.op.RemoveOperator(ctx, "vic@example.com"), redcloud.CodeNotFound, "", "not found")
	})
}

// TestLogin: a session lasts its TTL, logout ends it, and a wrong password
// says nothing about which half was wrong.
func TestLogin(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := e.ctx
		now := t0
		op := operator.New(e.db, operator.Config{Now: func() time.Time { return now }, SessionTTL: time.Hour})
		if _, _, err := op.AddOperator(ctx, operator.OperatorInput{Email: "ann@example.com", Role: operator.RoleViewer, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		s, err := op.Login(ctx, " ANN@example.com", "correct horse battery", "192.0.2.1")
		if err != nil || !strings.HasPrefix(s.Token, operator.PrefixSessionToken) || s.Operator.Role != operator.RoleViewer || !s.ExpiresAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("login: %+v %v", s, err)
		}
		who, exp, err := op.LookupSession(ctx, s.Token)
		if err != nil || who.Email != "ann@example.com" || !exp.Equal(s.ExpiresAt) {
			t.Errorf("lookup: %+v %v %v", who, exp, err)
		}
		for _, bad := range []struct{ email, password string }{
			{"ann@example.com", "wrong horse battery"},
			{"nobody@example.com", "correct horse battery"},
			{"ann@example.com", strings.Repeat("x", 300)},
		} {
			_, err := op.Login(ctx, bad.email, bad.password, "192.0.2.1")
			wantError(t, err, redcloud.CodeUnauthorized, "", "wrong email or password")
		}
		for _, token := range []string{"", "rcs_unknown", s.Token + "x", "rc_at_x"} {
			if _, _, err := op.LookupSession(ctx, token); err == nil {
				t.Errorf("token %q accepted", token)
			}
		}
		now = t0.Add(time.Hour)
		_, _, err = op.LookupSession(ctx, s.Token)
		wantError(t, err, redcloud.CodeUnauthorized, "", "session expired")

		s2, err := op.Login(ctx, "ann@example.com", "correct horse battery", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if err := op.Logout(ctx, s2.Token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := op.LookupSession(ctx, s2.Token); err == nil {
			t.Error("a session outlived its logout")
		}
		if n, _, _ := op.ListAudit(ctx, operator.AuditFilter{Action: "login", Limit: 1}); len(n) != 0 {
			t.Error("logins are audited as actions")
		}
	})
}

// TestLoginThrottle: after ten failures from one address for one email,
// every attempt from there — the right password too — is refused until the
// window ends; another address, or another email, is not affected.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := e.ctx
		now := t0
		op := operator.New(e.db, operator.Config{Now: func() time.Time { return now }})
		const pw = "correct horse battery"
		for _, email := range []string{"ann@example.com", "bob@example.com"} {
			if _, _, err := op.AddOperator(ctx, operator.OperatorInput{Email: email, Role: operator.RoleAdmin, Password: pw}); err != nil {
				t.Fatal(err)
			}
		}
		for range operator.LoginFailureLimit {
			_, err := op.Login(ctx, "ann@example.com", "wrong", "192.0.2.1")
			wantError(t, err, redcloud.CodeUnauthorized, "", "wrong email or password")
		}
		_, err := op.Login(ctx, "ann@example.com", pw, "192.0.2.1")
		wantError(t, err, redcloud.CodeRateLimited, "", "too many failed logins")
		if got := operator.RetryAfter(err); got != int(operator.LoginFailureWindow.Seconds()) {
			t.Errorf("retry after %d s", got)
		}
		if _, err := op.Login(ctx, "ann@example.com", pw, "192.0.2.2"); err != nil {
			t.Errorf("another address: %v", err)
		}
		if _, err := op.Login(ctx, "bob@example.com", pw, "192.0.2.1"); err != nil {
			t.Errorf("another email: %v", err)
		}
		now = t0.Add(operator.LoginFailureWindow)
		if _, err := op.Login(ctx, "ann@example.com", pw, "192.0.2.1"); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})
}

// TestSandboxOperator: seeded on a database without operators only; a
// production database keeps no operator with the published password.
func TestSandboxOperator(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := e.ctx
		if seeded, err := e.op.SeedSandboxOperator(ctx); err != nil || !seeded {
			t.Fatalf("seed: %v %v", seeded, err)
		}
		if seeded, err := e.op.SeedSandboxOperator(ctx); err != nil || seeded {
			t.Fatalf("seeded twice: %v %v", seeded, err)
		}
		s, err := e.op.Login(ctx, operator.SandboxOperatorEmail, operator.SandboxOperatorPassword, "127.0.0.1")
		if err != nil || !s.Operator.IsAdmin() {
			t.Fatalf("sandbox login: %+v %v", s, err)
		}
		if _, _, err := e.op.AddOperator(ctx, operator.OperatorInput{Email: "ann@example.com", Role: operator.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.op.PrepareMode(ctx, store.ModeSandbox, false, "x.db"); err != nil {
			t.Fatal(err)
		}
		mc, err := e.op.PrepareMode(ctx, store.ModeProduction, true, "x.db")
		if err != nil || mc.RemovedOperators != 1 {
			t.Fatalf("to production: %+v %v", mc, err)
		}
		list, _ := e.op.ListOperators(ctx)
		if len(list) != 1 || list[0].Email != "ann@example.com" {
			t.Errorf("operators left: %+v", list)
		}
		if _, _, err := e.op.LookupSession(ctx, s.Token); err == nil {
			t.Error("the sandbox admin's session outlived production")
		}
	})
}
