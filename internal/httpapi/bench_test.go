package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/store"
)

// benchServer is the API handler as `redcloud serve` runs it (token cache
// on, JSON request log, rate limits off) on a seeded SQLite file, with a
// bearer token; requests go straight to ServeHTTP, so the benchmarks
// measure the server's own work per request and its allocations, not
// loopback TCP.
func benchServer(b *testing.B) (http.Handler, string) {
	b.Helper()
	tmpl, err := seededTemplate()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "redcloud.db")
	if err := copyFile(path, tmpl); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	h, err := httpapi.New(httpapi.Config{Store: db, Sandbox: true, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, redcloud.PathToken, strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, clientSecret)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var tok redcloud.TokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		b.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	return h, "Bearer " + tok.AccessToken
}

// serve runs one request against h and fails b unless it answers want.
func serve(b *testing.B, h http.Handler, method, path, auth, key, body string, want int) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", auth)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set(redcloud.HeaderIdempotencyKey, key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
}

// BenchmarkWhoAmI is a read with a cached token: the cheapest authenticated
// request.
func BenchmarkWhoAmI(b *testing.B) {
	h, auth := benchServer(b)
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, http.MethodGet, redcloud.PathWhoAmI, auth, "", "", http.StatusOK)
	}
}

const benchSend = `{"sendFrom":"` + numberID + `","to":["+15555550100"],"messageType":"SMS","text":"hello"}`

// BenchmarkSendReplay answers a send's key again: the stored 202.
func BenchmarkSendReplay(b *testing.B) {
	h, auth := benchServer(b)
	serve(b, h, http.MethodPost, redcloud.PathMessagesSend, auth, "replayed-key", benchSend, http.StatusAccepted)
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, http.MethodPost, redcloud.PathMessagesSend, auth, "replayed-key", benchSend, http.StatusAccepted)
	}
}

// BenchmarkSendUnique accepts a new send per request, durably (SQLite,
// synchronous=FULL); one request at a time, so no group commit helps.
func BenchmarkSendUnique(b *testing.B) {
	h, auth := benchServer(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		serve(b, h, http.MethodPost, redcloud.PathMessagesSend, auth, fmt.Sprintf("key-%d", i), benchSend, http.StatusAccepted)
	}
}
