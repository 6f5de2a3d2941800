package smpp_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/smpp"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestNewValidates: every bad setting is refused with an error that names
// it, and never shows the password.
func TestNewValidates(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	good := func() smpp.Config {
		return smpp.Config{Name: "carrier", Host: "smsc.example", Port: 2775, SystemID: "redcloud", Password: "hunter2", Store: db}
	}
	if _, err := smpp.New(good()); err != nil {
		t.Fatalf("good config refused: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*smpp.Config)
		wants string
	}{
		{"no name", func(c *smpp.Config) { c.Name = " " }, "Name"},
		{"no host", func(c *smpp.Config) { c.Host = "" }, "Host"},
		{"port", func(c *smpp.Config) { c.Port = 70000 }, "Port"},
		{"system id too long", func(c *smpp.Config) { c.SystemID = strings.Repeat("x", 16) }, "SystemID"},
		{"no system id", func(c *smpp.Config) { c.SystemID = "" }, "SystemID"},
		{"system type", func(c *smpp.Config) { c.SystemType = strings.Repeat("x", 13) }, "SystemType"},
		{"password with NUL", func(c *smpp.Config) { c.Password = "a\x00b" }, "Password"},
		{"binds", func(c *smpp.Config) { c.Binds = -1 }, "Binds"},
		{"window", func(c *smpp.Config) { c.Window = -5 }, "Window"},
		{"mps", func(c *smpp.Config) { c.MPS = -1 }, "MPS"},
		{"mps NaN", func(c *smpp.Config) { c.MPS = math.NaN() }, "MPS"},
		{"enquire link", func(c *smpp.Config) { c.EnquireLink = -1 }, "EnquireLink"},
		{"dlr id format", func(c *smpp.Config) { c.DLRIDFormat = "octal" }, "DLRIDFormat"},
		{"dcs0", func(c *smpp.Config) { c.DCS0 = "utf8" }, "DCS0"},
		{"segmentation", func(c *smpp.Config) { c.Segmentation = "split" }, "Segmentation"},
		{"rebind bounds", func(c *smpp.Config) { c.RebindMin, c.RebindMax = 10e9, 1e9 }, "RebindMax"},
		{"no store", func(c *smpp.Config) { c.Store = nil }, "Store"},
	} {
		c := good()
		tc.edit(&c)
		_, err := smpp.New(c)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.wants) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error %q, want it to name %s and not the password", tc.name, err, tc.wants)
		}
	}
	c := good()
	c.DLRIDFormat, c.DCS0, c.Segmentation = "HEX", " latin1 ", "Payload"
	if _, err := smpp.New(c); err != nil {
		t.Errorf("case and spaces refused: %v", err)
	}
	if s := good().String(); strings.Contains(s, "hunter2") || !strings.Contains(s, "smpp://redcloud:***@smsc.example:2775") {
		t.Errorf("String() = %q", s)
	}
	// Send before Start is a transient refusal.
	p, _ := smpp.New(good())
	if _, err := p.Send(context.Background(), provider.Message{ID: "m", To: "+15551230000", Text: "x"}); err == nil {
		t.Error("Send before Start accepted")
	} else if _, perm := provider.IsPermanent(err); perm {
		t.Errorf("Send before Start: permanent %v", err)
	}
	p.Stop() // before Start: nothing to stop
}
