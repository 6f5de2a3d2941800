package operator_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// okProvider is a valid provider input with every setting at its default.
func okProvider(name, url string) operator.ProviderInput {
	return operator.ProviderInput{Name: name, URL: url, Binds: operator.DefaultBinds, Window: operator.DefaultWindow,
		EnquireLink: operator.DefaultEnquireLink, DLRIDFormat: operator.DefaultDLRIDFormat, DCS0: operator.DefaultDCS0,
		Segmentation: operator.DefaultSegmentation}
}

func TestProviderInputValidate(t *testing.T) {
	t.Parallel()
	ok := okProvider("acme", "smpp://acme:pw@smsc.example:2775")
	with := func(f func(*operator.ProviderInput)) operator.ProviderInput { in := ok; f(&in); return in }
	url := func(u string) operator.ProviderInput { return with(func(in *operator.ProviderInput) { in.URL = u }) }
	for _, tc := range []struct {
		name       string
		in         operator.ProviderInput
		field, msg string // "" when valid
	}{
		{"valid", ok, "", ""},
		{"tls, ipv6, encoded password", url("smpps://acme:p%40ss%3Aw%2Fd@[::1]:3550"), "", ""},
		{"password from the environment", with(func(in *operator.ProviderInput) {
			in.URL, in.PasswordEnv = "smpp://acme@smsc.example:2775", "ACME_SMPP_PASSWORD"
		}), "", ""},
		{"every setting", with(func(in *operator.ProviderInput) {
			in.Binds, in.Window, in.MPS, in.EnquireLink, in.SystemType = 64, 1000, 50, time.Hour, "VMA"
			in.DLRIDFormat, in.DCS0, in.Segmentation = "hex", "latin1", "payload"
		}), "", ""},
		{"no name", with(func(in *operator.ProviderInput) { in.Name = "" }), "name", "name is required"},
		{"sandbox", with(func(in *operator.ProviderInput) { in.Name = "sandbox" }), "name", "built-in sandbox"},
		{"upper case", with(func(in *operator.ProviderInput) { in.Name = "Acme" }), "name", `name "Acme": a lower-case letter`},
		{"long name", with(func(in *operator.ProviderInput) { in.Name = strings.Repeat("a", 33) }), "name", "up to 31"},
		{"no url", url(""), "url", "url is required: smpp://SYSTEM_ID:PASSWORD@HOST:PORT"},
		{"http", url("http://acme:SECRETPW@smsc.example:2775"), "url", "url must start with smpp://"},
		{"no scheme", url("acme:SECRETPW@smsc.example:2775"), "url", "url must start with smpp://"},
		{"opaque", url("smpp:acme:SECRETPW@smsc.example:2775"), "url", "with // after the scheme"},
		{"no system id", url("smpp://:SECRETPW@smsc.example:2775"), "url", "url names no system_id"},
		{"no user info", url("smpp://smsc.example:2775"), "url", "url names no system_id"},
		{"long system id", url("smpp://abcdefghijklmnop:SECRETPW@smsc.example:2775"), "url", "at most 15"},
		{"no password", url("smpp://acme@smsc.example:2775"), "url", "url has no password"},
		{"empty password", url("smpp://acme:@smsc.example:2775"), "url", "url has no password"},
		{"space in password", url("smpp://acme:SECRET%20PW@smsc.example:2775"), "url", "url password: at most 64 printable"},
		{"no port", url("smpp://acme:SECRETPW@smsc.example"), "url", "url names no port: add the port the carrier gave, e.g. smpp://acme@smsc.example:2775"},
		{"bad port", url("smpp://acme:SECRETPW@smsc.example:99999"), "url", `url port "99999"`},
		{"letters in port", url("smpp://acme:SECRETPW@smsc.example:smpp"), "url", "not a valid URL"},
		{"unencoded #", url("smpp://acme:SECRET#PW@smsc.example:2775"), "url", ""},
		{"unencoded /", url("smpp://acme:SECRET/PW@smsc.example:2775"), "url", ""},
		{"path", url("smpp://acme:SECRETPW@smsc.example:2775/x"), "url", "url must end with the port"},
		{"query", url("smpp://acme:SECRETPW@smsc.example:2775?tls=1"), "url", "url must end with the port"},
		{"no host", url("smpp://acme:SECRETPW@:2775"), "url", "url names no host"},
		{"bad escape", url("smpp://acme:SECRET%zzPW@smsc.example:2775"), "url", "not a valid URL"},
		{"both passwords", with(func(in *operator.ProviderInput) { in.PasswordEnv = "X" }), "passwordEnv", "conflict"},
		{"bad variable", with(func(in *operator.ProviderInput) {
			in.URL, in.PasswordEnv = "smpp://acme@smsc.example:2775", "1X"
		}), "passwordEnv", "not an environment variable name"},
		{"no binds", with(func(in *operator.ProviderInput) { in.Binds = 0 }), "binds", "binds 0: want 1-64"},
		{"many binds", with(func(in *operator.ProviderInput) { in.Binds = 65 }), "binds", "binds 65"},
		{"no window", with(func(in *operator.ProviderInput) { in.Window = 0 }), "window", "window 0: want 1-1000"},
		{"negative mps", with(func(in *operator.ProviderInput) { in.MPS = -1 }), "mps", "mps -1"},
		{"NaN mps", with(func(in *operator.ProviderInput) { in.MPS = math.NaN() }), "mps", "mps NaN"},
		{"short enquire link", with(func(in *operator.ProviderInput) { in.EnquireLink = 500 * time.Millisecond }), "enquireLink", "enquireLink 500ms: want 1s to 1h0m0s"},
		{"system type", with(func(in *operator.ProviderInput) { in.SystemType = "ABCDEFGHIJKLM" }), "systemType", "at most 12"},
		{"dlr id format", with(func(in *operator.ProviderInput) { in.DLRIDFormat = "octal" }), "dlrIdFormat", `dlrIdFormat "octal": want one of auto, dec, hex`},
		{"dcs0", with(func(in *operator.ProviderInput) { in.DCS0 = "utf8" }), "dcs0", `dcs0 "utf8": want one of gsm, latin1, ascii`},
		{"segmentation", with(func(in *operator.ProviderInput) { in.Segmentation = "none" }), "segmentation", `segmentation "none": want one of udh, sar, payload`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.in.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate = nil, want an error")
			}
			wantError(t, err, redcloud.CodeInvalidRequest, tc.field, tc.msg)
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

func TestProviders(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		in := okProvider("acme", "smpps://acme:pw@smsc.example:3550")
		in.MPS = 25
		p, err := e.op.AddProvider(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if p.Host != "smsc.example" || p.Port != 3550 || !p.TLS || p.SystemID != "acme" || p.Password.Reveal() != "pw" ||
			p.MPS != 25 || !p.CreatedAt.Equal(t0) {
			t.Errorf("added %+v", p)
		}
		_, err = e.op.AddProvider(e.ctx, in)
		wantError(t, err, redcloud.CodeConflict, "", "provider acme already exists")
		_, err = e.op.AddProvider(e.ctx, okProvider("Bad", "smpp://x"))
		wantError(t, err, redcloud.CodeInvalidRequest, "name", "lower-case")

		list, err := e.op.ListProviders(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "acme" || list[1].Name != "sandbox" || !list[1].BuiltIn ||
			list[1].Type != platform.ProviderTypeSandbox || list[0].Default || list[0].Numbers != 0 {
			t.Errorf("list = %+v", list)
		}

		// Routes and the default.
		c := e.client(t, "client_a")
		n := e.number(t, "num_a", "+15125550100", c.ID)
		e.number(t, "num_b", "+15125550101", c.ID)
		if u, err := e.op.UnroutedNumbers(e.ctx); err != nil || u != 2 {
			t.Errorf("unrouted = %d, %v", u, err)
		}
		got, prev, err := e.op.RouteNumber(e.ctx, "+15125550100", "acme")
		if err != nil || got.ID != n.ID || prev != "" {
			t.Fatalf("route: %v, %q, %v", got.ID, prev, err)
		}
		if _, prev, err = e.op.RouteNumber(e.ctx, "num_a", "sandbox"); err != nil || prev != "acme" {
			t.Errorf("reroute: previous %q, %v", prev, err)
		}
		_, _, err = e.op.RouteNumber(e.ctx, "num_a", "nope")
		wantError(t, err, redcloud.CodeNotFound, "", "provider nope not found")
		_, _, err = e.op.RouteNumber(e.ctx, "num_nope", "acme")
		wantError(t, err, redcloud.CodeNotFound, "", "number num_nope not found")
		_, _, err = e.op.RouteNumber(e.ctx, "num_a", "Not A Name")
		wantError(t, err, redcloud.CodeInvalidRequest, "provider", "is not a provider name")
		if _, _, err := e.op.RouteNumber(e.ctx, "num_a", "acme"); err != nil {
			t.Fatal(err)
		}

		if prev, err := e.op.SetDefaultProvider(e.ctx, "acme"); err != nil || prev != "" {
			t.Errorf("default: %q, %v", prev, err)
		}
		_, err = e.op.SetDefaultProvider(e.ctx, "nope")
		wantError(t, err, redcloud.CodeNotFound, "", "provider nope not found")
		s, err := e.op.ShowProvider(e.ctx, "acme")
		if err != nil || !s.Default || s.Numbers != 1 {
			t.Errorf("show = %+v, %v", s, err)
		}
		_, err = e.op.ShowProvider(e.ctx, "nope")
		wantError(t, err, redcloud.CodeNotFound, "", "provider nope not found")

		// Removal is refused while the provider is used, saying by what.
		err = e.op.RemoveProvider(e.ctx, "acme")
		wantError(t, err, redcloud.CodeConflict, "", "provider acme is in use: 1 number routes to it (num_a), and it is the default provider")
		if pe, _ := platform.AsError(err); pe == nil || pe.Details["reason"] != operator.ReasonProviderInUse {
			t.Errorf("details = %+v", pe)
		}
		wantError(t, e.op.RemoveProvider(e.ctx, "sandbox"), redcloud.CodeInvalidRequest, "name", "cannot be removed")
		wantError(t, e.op.RemoveProvider(e.ctx, "nope"), redcloud.CodeNotFound, "", "provider nope not found")
		if _, _, err := e.op.RouteNumber(e.ctx, "num_a", ""); err != nil {
			t.Fatal(err)
		}
		if prev, err := e.op.SetDefaultProvider(e.ctx, ""); err != nil || prev != "acme" {
			t.Errorf("clear default: %q, %v", prev, err)
		}
		if err := e.op.RemoveProvider(e.ctx, "acme"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.op.ShowProvider(e.ctx, "acme"); err == nil {
			t.Error("removed provider still shows")
		}
	})
}

func TestProviderUpdate(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		if _, err := e.op.AddProvider(e.ctx, okProvider("acme", "smpp://acme:pw@smsc.example:2775")); err != nil {
			t.Fatal(err)
		}
		// A URL without a password keeps the stored one.
		p, err := e.op.UpdateProvider(e.ctx, "acme", operator.ProviderUpdate{URL: ptr("smpps://acme2@other.example:3550"), Binds: ptr(3)})
		if err != nil {
			t.Fatal(err)
		}
		if p.Host != "other.example" || !p.TLS || p.SystemID != "acme2" || p.Password.Reveal() != "pw" || p.Binds != 3 {
			t.Errorf("after a URL change: %+v", p)
		}
		// The environment replaces a stored password, and a URL's password
		// the environment.
		p, err = e.op.UpdateProvider(e.ctx, "acme", operator.ProviderUpdate{PasswordEnv: ptr("ACME_PW")})
		if err != nil || p.Password != "" || p.PasswordEnv != "ACME_PW" {
			t.Errorf("password from the environment: %+v, %v", p, err)
		}
		p, err = e.op.UpdateProvider(e.ctx, "acme", operator.ProviderUpdate{URL: ptr("smpp://acme:new@smsc.example:2775")})
		if err != nil || p.Password.Reveal() != "new" || p.PasswordEnv != "" {
			t.Errorf("password in the URL again: %+v, %v", p, err)
		}
		stored, err := e.db.GetProvider(e.ctx, "acme")
		if err != nil || !stored.SameSettings(p) {
			t.Errorf("stored %+v, %v; want %+v", stored, err, p)
		}
		_, err = e.op.UpdateProvider(e.ctx, "acme", operator.ProviderUpdate{Window: ptr(0)})
		wantError(t, err, redcloud.CodeInvalidRequest, "window", "window 0")
		_, err = e.op.UpdateProvider(e.ctx, "nope", operator.ProviderUpdate{Window: ptr(2)})
		wantError(t, err, redcloud.CodeNotFound, "", "provider nope not found")
		_, err = e.op.UpdateProvider(e.ctx, "sandbox", operator.ProviderUpdate{Window: ptr(2)})
		wantError(t, err, redcloud.CodeInvalidRequest, "name", "sandbox")
		if err := (operator.ProviderUpdate{Segmentation: ptr("x")}).Validate(); err == nil {
			t.Error("Validate accepted segmentation x")
		}
		after, _ := e.db.GetProvider(e.ctx, "acme")
		if !after.SameSettings(p) {
			t.Errorf("a refused update changed the provider: %+v", after)
		}
	})
}

// TestProviderBindsShown: list and show carry the live binds of every
// process, not those of a process that stopped refreshing them.
func TestProviderBindsShown(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		if _, err := e.op.AddProvider(e.ctx, okProvider("acme", "smpp://acme:pw@smsc.example:2775")); err != nil {
			t.Fatal(err)
		}
		live := platform.ProviderBind{Process: "p1", Provider: "acme", State: platform.BindBound, Since: t0, UpdatedAt: t0}
		dead := platform.ProviderBind{Process: "p0", Provider: "acme", State: platform.BindFailed, Since: t0, UpdatedAt: t0.Add(-time.Hour)}
		if err := e.db.SaveProviderBinds(e.ctx, []platform.ProviderBind{live, dead}); err != nil {
			t.Fatal(err)
		}
		s, err := e.op.ShowProvider(e.ctx, "acme")
		if err != nil || !slices.Equal(s.Binds, []platform.ProviderBind{live}) {
			t.Errorf("binds = %+v, %v", s.Binds, err)
		}
		if errors.Is(err, platform.ErrNotFound) {
			t.Fatal(err)
		}
	})
}
