package admin_test

import (
	"context"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// providerOut is provider list/show --json output.
type providerOut struct {
	Name, Type, URL, Host, SystemID, PasswordSource, PasswordEnv string
	Port, Binds, Window, Numbers                                 int
	TLS, BuiltIn, Default                                        bool
	MPS                                                          *float64
	EnquireLink, DLRIDFormat, DCS0, Segmentation                 string
	BindStates                                                   []struct {
		Process, State, LastError string
		Bind                      int
	}
}

func TestAdminProviders(t *testing.T) {
	t.Parallel()
	forEachDB(t, false, func(t *testing.T, c *adminCLI) {
		cl := c.newClient(t)
		num := strings.TrimSpace(c.ok(t, "admin", "number", "add", "--e164", "+15125550100", "--client", cl.APIClientID, "--id", "num_route"))

		out := c.ok(t, "admin", "provider", "add", "acme", "--url", "smpps://acme:pw@smsc.acme.example:3550", "--binds", "2",
			"--window", "20", "--mps", "12.5", "--enquire-link", "45s", "--system-type", "VMA", "--dlr-id-format", "hex",
			"--dcs0", "latin1", "--segmentation", "sar")
		if !strings.Contains(out, "provider acme added: smpps://acme@smsc.acme.example:3550, 2 binds per server process, window 20, 12.5/s") {
			t.Errorf("add printed %q", out)
		}
		c.fails(t, 1, "provider acme already exists", "admin", "provider", "add", "acme", "--url", "smpp://acme:pw@h:1")
		r := c.run(t, "admin", "provider", "add", "beta", "--url", "smpp://beta@10.0.0.5:2775", "--password-env", "REDCLOUD_TEST_UNSET_PW")
		if r.code != 0 || !strings.Contains(r.stderr, "REDCLOUD_TEST_UNSET_PW is not set in this environment") {
			t.Errorf("add with an unset variable: exit %d\n%s", r.code, r.stderr)
		}

		got := adminOKJSON[providerOut](t, c, "admin", "provider", "show", "acme")
		mps := 12.5
		want := providerOut{Name: "acme", Type: "smpp", URL: "smpps://acme@smsc.acme.example:3550", Host: "smsc.acme.example",
			SystemID: "acme", PasswordSource: "database", Port: 3550, Binds: 2, Window: 20, TLS: true, MPS: &mps,
			EnquireLink: "45s", DLRIDFormat: "hex", DCS0: "latin1", Segmentation: "sar"}
		if got.MPS == nil || *got.MPS != mps {
			t.Errorf("mps = %v", got.MPS)
		}
		got.MPS, want.MPS = nil, nil
		if got.BindStates == nil {
			t.Error("bindStates is not an array")
		}
		got.BindStates = nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("show --json = %+v\nwant %+v", got, want)
		}
		beta := adminOKJSON[providerOut](t, c, "admin", "provider", "show", "beta")
		if beta.PasswordSource != "environment" || beta.PasswordEnv != "REDCLOUD_TEST_UNSET_PW" || beta.Binds != 1 || beta.Window != 10 ||
			beta.EnquireLink != "30s" || beta.DLRIDFormat != "auto" || beta.DCS0 != "gsm" || beta.Segmentation != "udh" || *beta.MPS != 0 {
			t.Errorf("defaults: %+v", beta)
		}
		if out := c.ok(t, "admin", "provider", "show", "beta"); !strings.Contains(out, "from the environment variable REDCLOUD_TEST_UNSET_PW") {
			t.Errorf("show beta:\n%s", out)
		}

		// Routes and the default.
		if out := c.ok(t, "admin", "number", "route", num, "acme"); !strings.Contains(out, "number num_route (+15125550100) routes to acme (was none)") {
			t.Errorf("route printed %q", out)
		}
		r = c.run(t, "admin", "number", "route", "+15125550100", "sandbox")
		if r.code != 0 || !strings.Contains(r.stdout, "routes to sandbox (was acme)") || !strings.Contains(r.stderr, "nothing reaches a carrier") {
			t.Errorf("route to the sandbox: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		c.ok(t, "admin", "number", "route", num, "acme")
		c.fails(t, 1, "provider nope not found", "admin", "number", "route", num, "nope")
		c.fails(t, 1, "number num_nope not found", "admin", "number", "route", "num_nope", "acme")
		c.fails(t, 2, "PROVIDER \"Acme\" is not a provider name", "admin", "number", "route", num, "Acme")
		c.fails(t, 2, "usage:", "admin", "number", "route", num)
		c.fails(t, 2, "usage:", "admin", "number", "route", num, "acme", "--clear")

		if out := c.ok(t, "admin", "provider", "default"); !strings.Contains(out, "no default provider") {
			t.Errorf("default without one: %q", out)
		}
		if out := c.ok(t, "admin", "provider", "default", "acme"); !strings.Contains(out, "default provider is acme (was none)") {
			t.Errorf("default acme: %q", out)
		}
		if out := c.ok(t, "admin", "provider", "default"); strings.TrimSpace(out) != "acme" {
			t.Errorf("default: %q", out)
		}
		c.fails(t, 1, "provider nope not found", "admin", "provider", "default", "nope")
		c.fails(t, 2, "conflict", "admin", "provider", "default", "acme", "--clear")

		list := adminOKJSON[[]providerOut](t, c, "admin", "provider", "list")
		if len(list) != 3 || list[0].Name != "acme" || !list[0].Default || list[0].Numbers != 1 || list[1].Name != "beta" ||
			list[2].Name != "sandbox" || !list[2].BuiltIn || list[2].URL != "" {
			t.Errorf("list --json = %+v", list)
		}
		out = c.ok(t, "admin", "provider", "list")
		if !regexp.MustCompile(`(?m)^NAME\s+TYPE\s+URL\s+BINDS\s+WINDOW\s+MPS\s+DEFAULT\s+NUMBERS\s+BINDS NOW$`).MatchString(out) ||
			!regexp.MustCompile(`(?m)^acme\s+smpp\s+smpps://acme@smsc.acme.example:3550\s+2\s+20\s+12.5/s\s+yes\s+1\s+-$`).MatchString(out) ||
			!strings.Contains(out, "0 assigned numbers without a route send through the default, acme.") {
			t.Errorf("list:\n%s", out)
		}

		// Removal refused while in use, and says what to do.
		r = c.fails(t, 1, "provider acme is in use: 1 number routes to it (num_route), and it is the default provider", "admin", "provider", "remove", "acme")
		if !strings.Contains(r.stderr, "redcloud admin number route NUMBER PROVIDER") || !strings.Contains(r.stderr, "redcloud admin provider default NAME") {
			t.Errorf("remove does not say how to free the provider: %s", r.stderr)
		}
		c.fails(t, 2, "cannot be removed", "admin", "provider", "remove", "sandbox")
		c.fails(t, 1, "provider nope not found", "admin", "provider", "remove", "nope")
		if out := c.ok(t, "admin", "number", "route", num, "--clear"); !strings.Contains(out, "has no route now (was acme)") {
			t.Errorf("route --clear: %q", out)
		}
		if out := c.ok(t, "admin", "provider", "default", "--clear"); !strings.Contains(out, "default provider cleared (was acme)") {
			t.Errorf("default --clear: %q", out)
		}
		c.ok(t, "admin", "provider", "remove", "acme")
		c.fails(t, 1, "provider acme not found", "admin", "provider", "show", "acme")

		// set changes only what it names.
		c.ok(t, "admin", "provider", "set", "beta", "--binds", "3", "--segmentation", "payload")
		beta = adminOKJSON[providerOut](t, c, "admin", "provider", "show", "beta")
		if beta.Binds != 3 || beta.Segmentation != "payload" || beta.Window != 10 || beta.PasswordEnv != "REDCLOUD_TEST_UNSET_PW" {
			t.Errorf("after set: %+v", beta)
		}
		c.fails(t, 2, "nothing to change", "admin", "provider", "set", "beta")
		c.fails(t, 2, "--window 0: want 1-1000", "admin", "provider", "set", "beta", "--window", "0")
		c.fails(t, 1, "provider nope not found", "admin", "provider", "set", "nope", "--window", "2")
	})
}

func TestAdminProviderBadInput(t *testing.T) {
	t.Parallel()
	forEachDB(t, false, func(t *testing.T, c *adminCLI) {
		c.newClient(t)
		add := func(extra ...string) []string {
			return append([]string{"admin", "provider", "add", "acme", "--url", "smpp://acme:pw@smsc.example:2775"}, extra...)
		}
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"admin", "provider", "add", "acme"}, "--url is required"},
			{[]string{"admin", "provider", "add", "acme", "--url", "http://acme:pw@h:1"}, "--url must start with smpp://"},
			{[]string{"admin", "provider", "add", "acme", "--url", "smpp://acme@h:1"}, "--url has no password"},
			{[]string{"admin", "provider", "add", "acme", "--url", "smpp://acme:pw@h"}, "--url names no port"},
			{[]string{"admin", "provider", "add", "sandbox", "--url", "smpp://acme:pw@h:1"}, "NAME \"sandbox\" is the built-in sandbox provider"},
			{add("--password-env", "PW"), "--password-env and a password in the url conflict"},
			{add("--binds", "0"), "--binds 0: want 1-64"},
			{add("--window", "1001"), "--window 1001"},
			{add("--mps", "-2"), "--mps -2"},
			{add("--enquire-link", "0s"), "--enquire-link 0s: want 1s to 1h0m0s"},
			{add("--dlr-id-format", "oct"), "--dlr-id-format \"oct\": want one of auto, dec, hex"},
			{add("--dcs0", "utf8"), "--dcs0 \"utf8\": want one of gsm, latin1, ascii"},
			{add("--segmentation", "x"), "--segmentation \"x\": want one of udh, sar, payload"},
			{add("--system-type", "ABCDEFGHIJKLM"), "--system-type \"ABCDEFGHIJKLM\": at most 12"},
			{add("--binds", "two"), "invalid argument"},
			{[]string{"admin", "provider", "add"}, "usage:"},
			{[]string{"admin", "provider", "frob"}, "unknown command"},
		} {
			c.fails(t, 2, tc.want, tc.args...)
		}
		list := adminOKJSON[[]providerOut](t, c, "admin", "provider", "list")
		if len(list) != 1 {
			t.Errorf("refused adds left providers: %+v", list)
		}
	})
}

// TestAdminProviderPasswordNeverShown adds providers with passwords and
// runs every provider command, including failing ones, with and without
// --json: no output shows a password, raw or percent-encoded.
func TestAdminProviderPasswordNeverShown(t *testing.T) {
	t.Parallel()
	forEachDB(t, false, func(t *testing.T, c *adminCLI) {
		cl := c.newClient(t)
		num := strings.TrimSpace(c.ok(t, "admin", "number", "add", "--e164", "+15125550100", "--client", cl.APIClientID))
		var all strings.Builder
		run := func(args ...string) {
			r := c.run(t, args...)
			all.WriteString(r.stdout + r.stderr)
		}
		run("admin", "provider", "add", "acme", "--url", "smpp://acme:S3CRETPW@smsc.example:2775")
		run("admin", "provider", "add", "beta", "--url", "smpps://beta:S3CRET%40PW@smsc.example:3550", "--json")
		run("admin", "provider", "add", "gamma", "--url", "smpp://gamma:S3CRETPW@smsc.example")                                // no port
		run("admin", "provider", "add", "gamma", "--url", "smpp://gamma:S3CRET#PW@smsc.example:2775")                          // unencoded '#'
		run("admin", "provider", "add", "gamma", "--url", "smpp://gamma:S3CRET%zzPW@smsc.example:2775")                        // bad escape
		run("admin", "provider", "add", "gamma", "--url", "smpp://gamma:S3CRETPW@smsc.example:2775/x")                         // path
		run("admin", "provider", "add", "smpp://gamma:S3CRETPW@smsc.example:2775", "--url", "x")                               // URL as NAME
		run("admin", "provider", "add", "gamma", "--url", "smpp://gamma:S3CRETPW@h:1", "--binds", "smpp://gamma:S3CRETPW@h:1") // a URL as a flag value
		run("admin", "provider", "add", "gamma", "--url", "smpp://gamma:S3CRETPW@h:1", "--password-env", "PW")                 // both
		run("admin", "provider", "add", "acme", "--url", "smpp://acme:S3CRETPW@smsc.example:2775")                             // duplicate
		run("admin", "provider", "set", "acme", "--url", "smpp://acme:S3CRETPW2@smsc.example:2775", "--json")
		run("admin", "provider", "set", "acme", "--url", "smpp://acme:S3CRETPW2@smsc.example:2775", "--binds", "0")
		run("admin", "provider", "list")
		run("admin", "provider", "list", "--json")
		run("admin", "provider", "show", "acme")
		run("admin", "provider", "show", "beta", "--json")
		run("admin", "provider", "show", "smpp://acme:S3CRETPW@smsc.example:2775")
		run("admin", "provider", "default", "acme")
		run("admin", "provider", "default", "smpp://acme:S3CRETPW@smsc.example:2775")
		run("admin", "number", "route", num, "acme")
		run("admin", "number", "route", num, "smpp://acme:S3CRETPW@smsc.example:2775")
		run("admin", "provider", "remove", "acme")
		run("admin", "provider", "--help")
		out := all.String()
		for _, secret := range []string{"S3CRET", "%40PW", "@PW"} {
			if strings.Contains(out, secret) {
				t.Errorf("output shows %q:\n%s", secret, out)
			}
		}
		// The passwords are stored, usable to bind.
		db := c.open(t)
		for name, want := range map[string]string{"acme": "S3CRETPW2", "beta": "S3CRET@PW"} {
			p, err := db.GetProvider(context.Background(), name)
			if err != nil || p.Password.Reveal() != want {
				t.Errorf("stored password of %s: %v", name, err)
			}
		}
		if _, err := db.GetProvider(context.Background(), "gamma"); err == nil {
			t.Error("a refused add stored gamma")
		}
	})
}
