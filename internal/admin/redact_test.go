package admin_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdminNeverShowsPassword runs admin commands against databases that
// cannot be opened, named with a password in every form a DSN carries one,
// and checks that no output shows it.
func TestAdminNeverShowsPassword(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	csv := filepath.Join(tmp, "bad.csv")
	if err := os.WriteFile(csv, []byte("e164,city,state,zip_code,rate_center\n+4420718387,London,LN,00000,LONDON\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	commands := [][]string{
		{"account", "list"},
		{"account", "create", "--name", "Acme"},
		{"client", "show", "rc_x"},
		{"client", "set-webhooks", "rc_x", "--clear-delivery"},
		{"number", "add", "--e164", "+15125550100"},
		{"number", "import", csv},
		{"delivery", "list"},
		{"event", "replay", "--failed-since", "1h"},
	}
	for _, tc := range []struct {
		name, db string
		fails    bool // every command fails; else some may succeed
	}{
		{"user-info, unreachable", "postgres://app:SECRET@127.0.0.1:1/redcloud?connect_timeout=5", true},
		{"query password, unreachable", "postgres://app@127.0.0.1:1/redcloud?connect_timeout=5&password=SECRET", true},
		{"user-info, bad port", "postgres://app:SECRET@127.0.0.1:badport/redcloud", true},
		{"user-info, bad escape", "postgres://app:SEC%zzRET@127.0.0.1/redcloud", true},
		{"query password, bad sslmode", "postgres://app@127.0.0.1:5432/redcloud?sslmode=bogus&password=SECRET", true},
		{"keyword form, no such directory", filepath.Join(tmp, "nodir", "host=127.0.0.1 password=SECRET dbname=redcloud"), true},
		{"keyword form, taken for a SQLite file", filepath.Join(tmp, "host=127.0.0.1 password=SECRET dbname=redcloud"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range commands {
				r := runAdmin(append(append([]string{"admin"}, args...), "--db", tc.db)...)
				all := r.stdout + r.stderr
				if strings.Contains(all, "SECRET") || strings.Contains(all, "zzRET") {
					t.Errorf("%q shows the password:\n%s", args, all)
				}
				if tc.fails && (r.code == 0 || !strings.Contains(r.stderr, "error: ")) {
					t.Errorf("%q: exit %d, want an error:\n%s", args, r.code, all)
				}
			}
		})
	}

	// A password where no DSN is expected: an argument or a flag value.
	for _, args := range [][]string{
		{"admin", "account", "list", "postgres://app:SECRET@db/redcloud"},
		{"admin", "client", "show", "a", "host=db password=SECRET"},
		{"admin", "number", "add", "--e164", "+15125550100", "--sms=postgres://app:SECRET@db/redcloud"},
		{"admin", "delivery", "list", "--limit", "password=SECRET"},
		{"admin", "frobnicate", "postgres://app@db/redcloud?password=SECRET"},
	} {
		r := runAdmin(args...)
		if r.code != 2 || strings.Contains(r.stdout+r.stderr, "SECRET") {
			t.Errorf("%q: exit %d, want 2 without the password:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
}

// TestAdminPostgresWrongPassword: a PostgreSQL server that does not check
// passwords (trust) accepts any; the commands work and show none.
func TestAdminPostgresWrongPassword(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(postgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "SECRET")
	c := &adminCLI{db: u.String()}
	for _, args := range [][]string{
		{"admin", "account", "create", "--name", "Acme", "--id", "acct_acme"},
		{"admin", "account", "list"},
		{"admin", "client", "show", "rc_x"},
	} {
		r := c.run(t, args...)
		if strings.Contains(r.stdout+r.stderr, "SECRET") {
			t.Errorf("%q shows the password:\n%s%s", args, r.stdout, r.stderr)
		}
		if r.code != 0 && !strings.Contains(r.stderr, "api client rc_x not found") {
			t.Errorf("%q: exit %d:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
}
