package bench

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRawConn checks the load generator's HTTP/1.1 client against net/http's
// server: both framings, keep-alive reuse, Connection: close, non-2xx answers
// and the request bytes the server parsed.
func TestRawConn(t *testing.T) {
	big := strings.Repeat("x", 10_000) // over net/http's 2 KiB buffer: sent chunked
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("X-Key", r.Header.Get("Idempotency-Key"))
			w.Write([]byte(r.Method + " " + r.Header.Get("Authorization") + " " + r.Header.Get("Content-Type") + " " + string(body)))
		case "/big":
			w.Write([]byte(big))
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		case "/teapot":
			w.WriteHeader(http.StatusTeapot)
			w.Write([]byte("no"))
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	rc := &rawConn{addr: host}
	defer rc.close()
	rw := &requestWriter{host: host}

	status, body, err := rc.do(rw.build("POST", "/echo", "Bearer tok", "k-1", "application/json", []byte(`{"a":1}`)))
	if err != nil || status != 200 || string(body) != `POST Bearer tok application/json {"a":1}` {
		t.Fatalf("echo: %d %q %v", status, body, err)
	}
	if _, body, err = rc.do(rw.build("GET", "/big", "", "", "", nil)); err != nil || string(body) != big {
		t.Fatalf("chunked answer: %d bytes, %v", len(body), err)
	}
	if _, body, err = rc.do(rw.build("GET", "/echo", "", "", "", nil)); err != nil || string(body) != "GET   " {
		t.Fatalf("after a chunked answer: %q %v", body, err)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for three requests; want 1 (keep-alive)", n)
	}
	if _, body, err = rc.do(rw.build("GET", "/close", "", "", "", nil)); err != nil || string(body) != "bye" {
		t.Fatalf("close: %q %v", body, err)
	}
	status, body, err = rc.do(rw.build("GET", "/teapot", "", "", "", nil))
	var se *statusError
	if !errors.As(err, &se) || status != http.StatusTeapot || se.status != http.StatusTeapot || string(body) != "no" {
		t.Fatalf("teapot: %d %q %v", status, body, err)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections; want 2 (a new one after Connection: close)", n)
	}
	srv.CloseClientConnections()
	// This one fails or not, depending on when the close lands; either way
	// the next request must work, on a new connection.
	rc.do(rw.build("GET", "/echo", "", "", "", nil))
	if _, body, err := rc.do(rw.build("GET", "/echo", "", "", "", nil)); err != nil || string(body) != "GET   " {
		t.Fatalf("after the server closed the connection: %q %v", body, err)
	}
}

// TestBodyTemplate checks that a filled template is byte for byte the body
// sendBody builds.
func TestBodyTemplate(t *testing.T) {
	tg := &target{number: "num_01J", runID: "r"}
	for _, n := range []int{1, 10} {
		tm := tg.bodyTemplate(n)
		var buf []byte
		for _, first := range []int64{0, 7, 9_999_995, 123_456_789} {
			buf = tm.fill(buf, first)
			if want := tg.sendBody(first, n); !bytes.Equal(buf, want) {
				t.Fatalf("n=%d first=%d:\n got %s\nwant %s", n, first, buf, want)
			}
		}
	}
}
