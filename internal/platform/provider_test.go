package platform_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// TestPasswordNeverPrinted: every way a provider's configuration may end up
// in output or a log shows "[redacted]", never the password.
func TestPasswordNeverPrinted(t *testing.T) {
	p := platform.ProviderConfig{Name: "acme", Type: platform.ProviderTypeSMPP, Host: "smsc.example", Port: 2775,
		SystemID: "acme", Password: "S3CRETpw"}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("provider", "config", p, "password", p.Password)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("provider", "config", p, "password", p.Password)
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Join([]string{
		fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s %q %x", p, p, p, p.Password, p.Password, p.Password),
		fmt.Sprintf("%v", &p), string(js), logs.String(), p.URL(),
	}, "\n")
	if strings.Contains(out, "S3CRET") || strings.Contains(out, fmt.Sprintf("%x", "S3CRETpw")) {
		t.Errorf("the password shows:\n%s", out)
	}
	if !strings.Contains(out, platform.Redacted) {
		t.Errorf("no %s in:\n%s", platform.Redacted, out)
	}
	if p.Password.Reveal() != "S3CRETpw" {
		t.Errorf("Reveal = %q", p.Password.Reveal())
	}
}

func TestProviderURL(t *testing.T) {
	for _, tc := range []struct {
		p    platform.ProviderConfig
		want string
	}{
		{platform.ProviderConfig{Host: "smsc.example", Port: 2775, SystemID: "acme", Password: "pw"}, "smpp://acme@smsc.example:2775"},
		{platform.ProviderConfig{Host: "::1", Port: 3550, TLS: true, SystemID: "a"}, "smpps://a@[::1]:3550"},
	} {
		if got := tc.p.URL(); got != tc.want {
			t.Errorf("URL() = %q, want %q", got, tc.want)
		}
	}
}

func TestProviderSameSettings(t *testing.T) {
	a := platform.ProviderConfig{Name: "acme", Host: "h", Port: 1, Binds: 2, CreatedAt: time.Unix(1, 0), UpdatedAt: time.Unix(2, 0)}
	b := a
	b.CreatedAt, b.UpdatedAt = time.Unix(5, 0), time.Unix(6, 0)
	if !a.SameSettings(b) {
		t.Error("timestamps alone make a different provider")
	}
	b.Password = "x"
	if a.SameSettings(b) {
		t.Error("a new password is the same provider")
	}
}

func TestProviderProblems(t *testing.T) {
	smpp := func(name string) platform.ProviderConfig {
		return platform.ProviderConfig{Name: name, Type: platform.ProviderTypeSMPP}
	}
	bind := func(provider, process string, i int, state string) platform.ProviderBind {
		return platform.ProviderBind{Provider: provider, Process: process, Bind: i, State: state}
	}
	for _, tc := range []struct {
		name       string
		providers  []platform.ProviderConfig
		binds      []platform.ProviderBind
		production bool
		def        string
		unrouted   int
		want       []string
	}{
		{name: "nothing configured"},
		{name: "all bound", providers: []platform.ProviderConfig{smpp("acme")},
			binds: []platform.ProviderBind{bind("acme", "p1", 0, "bound"), bind("acme", "p2", 0, "bound")}},
		{name: "one of three binds down", providers: []platform.ProviderConfig{smpp("acme"), smpp("beta")},
			binds: []platform.ProviderBind{bind("acme", "p1", 0, "bound"), bind("acme", "p1", 1, "failed"),
				bind("acme", "p2", 0, "connecting"), bind("beta", "p1", 0, "bound")},
			want: []string{"provider acme: 2 of 3 binds not bound (1 connecting, 1 failed)"}},
		{name: "no process reports", providers: []platform.ProviderConfig{smpp("acme")},
			want: []string{"provider acme: no running server process reports a bind"}},
		{name: "production without routes", production: true, unrouted: 3,
			want: []string{"assigned numbers without a provider route: 3; there is no default provider, so their messages fail NO_ROUTE"}},
		{name: "production with a default", production: true, def: "acme", unrouted: 3},
		{name: "sandbox mode falls back to the sandbox", unrouted: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := platform.ProviderProblems(tc.providers, tc.binds, tc.production, tc.def, tc.unrouted)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}
