package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
)

func TestAllowedAddress(t *testing.T) {
	for _, c := range []struct {
		addr    string
		allowed bool
	}{
		{"127.0.0.1", false},        // loopback
		{"127.255.255.254", false},  // loopback
		{"10.0.0.1", false},         // private
		{"172.16.0.1", false},       // private
		{"172.31.255.255", false},   // private
		{"192.168.1.1", false},      // private
		{"169.254.169.254", false},  // cloud metadata (link-local)
		{"100.64.0.1", false},       // shared address space (CGNAT)
		{"0.0.0.0", false},          // unspecified
		{"224.0.0.1", false},        // multicast
		{"::1", false},              // loopback
		{"::", false},               // unspecified
		{"fe80::1", false},          // link-local
		{"fd00:ec2::254", false},    // AWS metadata over IPv6 (unique local)
		{"fc00::1", false},          // unique local
		{"::ffff:127.0.0.1", false}, // IPv4-mapped loopback
		{"::ffff:169.254.169.254", false},
		{"ff02::1", false}, // multicast
		// IPv6 forms that carry an IPv4 address a translator or tunnel
		// delivers to are judged by that address.
		{"64:ff9b::a00:1", false},      // NAT64 of 10.0.0.1
		{"64:ff9b::a9fe:a9fe", false},  // NAT64 of 169.254.169.254
		{"64:ff9b::7f00:1", false},     // NAT64 of 127.0.0.1
		{"64:ff9b:1::a00:1", false},    // local-use NAT64 prefix
		{"::7f00:1", false},            // IPv4-compatible 127.0.0.1
		{"::ffff:0:a00:1", false},      // IPv4-translated 10.0.0.1
		{"2002:a9fe:a9fe::1", false},   // 6to4 of 169.254.169.254
		{"2002:c0a8:101::1", false},    // 6to4 of 192.168.1.1
		{"fec0::1", false},             // deprecated site-local
		{"64:ff9b::5db8:d822", true},   // NAT64 of 93.184.216.34
		{"2002:5db8:d822::1", true},    // 6to4 of 93.184.216.34
		{"93.184.216.34", true},        // public
		{"8.8.8.8", true},              // public
		{"172.32.0.1", true},           // just outside 172.16.0.0/12
		{"2606:4700::1", true},         // public IPv6
		{"::ffff:93.184.216.34", true}, // IPv4-mapped public
		// A zone makes every prefix check false: zoned addresses are
		// refused whatever their prefix.
		{"::1%lo", false},
		{"fe80::1%eth0", false},
		{"fd00:ec2::254%eth0", false},
		{"2606:4700::1%eth0", false},
	} {
		ip := netip.MustParseAddr(c.addr)
		if got := pipeline.AllowedAddress(ip); got != c.allowed {
			t.Errorf("AllowedAddress(%s) = %v, want %v", c.addr, got, c.allowed)
		}
	}
	if pipeline.AllowedAddress(netip.Addr{}) {
		t.Error("AllowedAddress(zero Addr) = true, want false")
	}
}

// TestWebhookClientGuard dials for real: the guard runs on the resolved
// address at connect time, so a loopback server is refused by IP and by a
// host name that resolves to loopback; the sandbox client reaches both.
func TestWebhookClientGuard(t *testing.T) {
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	urls := []string{srv.URL, "http://localhost:" + port}

	post := func(c *http.Client, u string) error {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, u, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode != http.StatusNoContent {
				t.Errorf("POST %s: status %d", u, res.StatusCode)
			}
		}
		return err
	}

	guarded := pipeline.NewWebhookClient(false, time.Second)
	defer guarded.CloseIdleConnections()
	for _, u := range urls {
		err := post(guarded, u)
		if !errors.Is(err, pipeline.ErrBlockedAddress) {
			t.Errorf("guarded POST %s: err = %v, want ErrBlockedAddress", u, err)
		}
	}
	if n := got.Load(); n != 0 {
		t.Fatalf("server got %d requests through the guarded client, want 0", n)
	}

	open := pipeline.NewWebhookClient(true, time.Second)
	defer open.CloseIdleConnections()
	for _, u := range urls {
		if err := post(open, u); err != nil {
			t.Errorf("sandbox POST %s: %v", u, err)
		}
	}
	if n := got.Load(); n != int32(len(urls)) {
		t.Errorf("server got %d requests through the sandbox client, want %d", n, len(urls))
	}
}

// TestWebhookClientGuardZone dials a receiver on [::1] through a zoned
// literal, [::1%lo], which the prefix checks alone let through.
func TestWebhookClientGuardZone(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	}
	var got atomic.Int32
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})}}
	srv.Start()
	defer srv.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	c := pipeline.NewWebhookClient(false, time.Second)
	defer c.CloseIdleConnections()
	for _, zone := range []string{"lo", "1"} {
		u := fmt.Sprintf("http://[::1%%25%s]:%d/", zone, port)
		res, err := c.Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			res.Body.Close()
		}
		if !errors.Is(err, pipeline.ErrBlockedAddress) {
			t.Errorf("POST %s: err = %v, want ErrBlockedAddress", u, err)
		}
	}
	if n := got.Load(); n != 0 {
		t.Errorf("receiver on [::1] got %d requests through the guarded client, want 0", n)
	}
}

// TestWebhookClientHeaderBound: a receiver that answers with huge headers
// gets an error, not a read of megabytes into memory.
func TestWebhookClientHeaderBound(t *testing.T) {
	big := strings.Repeat("x", 8<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 64 { // 512 KiB of headers
			w.Header().Set(fmt.Sprintf("X-Pad-%d", i), big)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := pipeline.NewWebhookClient(true, 5*time.Second)
	defer c.CloseIdleConnections()
	res, err := c.Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err == nil {
		res.Body.Close()
		t.Fatalf("POST to a receiver with 512 KiB of headers: status %d, want an error", res.StatusCode)
	}
	if !strings.Contains(err.Error(), "header") {
		t.Errorf("err = %v, want one about the response headers", err)
	}
}

// TestGuardEndToEnd: outside sandbox mode a delivery URL on loopback (set
// directly in the store, as an operator could) is refused at dial time on
// every attempt; the receiver never sees a request.
func TestGuardEndToEnd(t *testing.T) {
	e := newEnv(t, withPipeline(func(c *pipeline.Config) { c.Sandbox = false }))
	u := e.recv.URL("/delivery")
	if !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Fatalf("receiver URL %s: want a 127.0.0.1 URL", u)
	}
	up := &u
	if err := e.db.SetWebhookURLs(e.ctx, clientID, &up, nil); err != nil {
		t.Fatal(err)
	}
	id := e.send(t, sandbox.InvalidDestination)[0]
	m := e.waitStatus(t, id, redcloud.MessageFailed, 2)
	for _, me := range m.Events {
		d := e.waitDelivery(t, me.EventID, platform.DeliveryFailed)
		if len(d.Attempts) != 1+len(webhookSchedule) {
			t.Errorf("event %s: %d attempts, want %d", me.EventID, len(d.Attempts), 1+len(webhookSchedule))
		}
		for _, a := range d.Attempts {
			if a.StatusCode != 0 || !strings.Contains(a.Error, pipeline.ErrBlockedAddress.Error()) {
				t.Errorf("attempt %d = %+v, want no status and the blocked-address error", a.Number, a)
			}
		}
	}
	if n := e.recv.requests("/delivery"); n != 0 {
		t.Errorf("receiver got %d requests, want 0", n)
	}
}
