package redcloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/store"
)

// BenchmarkSendResponseJSON measures encoding the 202 body of a send with
// 1 and 10 accepted recipients.
func BenchmarkSendResponseJSON(b *testing.B) {
	for _, n := range []int{1, 10} {
		res := redcloud.SendResponse{Results: make([]redcloud.AcceptedRecipient, n), Errors: []redcloud.RecipientError{}}
		for i := range res.Results {
			res.Results[i] = redcloud.AcceptedRecipient{To: fmt.Sprintf("+1555%07d", i),
				MessageID: "msg_01jq3m8x2k9n4p5r6s7t8v9w0x", Status: redcloud.MessageQueued}
		}
		b.Run(fmt.Sprintf("results=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSend measures what the client adds to a send: the same request
// through Client.Send and as a raw net/http call, against the same
// in-process sandbox server over the same Transport. Both replay one key
// and payload, so the server does the same read-only work each time (a
// unique key would add an fsync that hides the client's cost); the
// difference between the two is the client's overhead — key check and
// fingerprint, token source, attempt bookkeeping, error classification and
// decoding into a SendResult.
func BenchmarkSend(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "redcloud.db")
	tmpl, err := seededTemplate()
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, tmpl, 0o600); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	api, err := httpapi.New(httpapi.Config{Store: db, Sandbox: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	client, err := redcloud.NewClient(redcloud.Config{BaseURL: srv.URL, ClientID: clientID, ClientSecret: clientSecret, HTTPClient: hc})
	if err != nil {
		b.Fatal(err)
	}
	req := sms(numberID, "Your order 789 has shipped", "+15557654321")
	const key = "bench_send_overhead"
	if _, err := client.Send(ctx, req, redcloud.WithIdempotencyKey(key)); err != nil {
		b.Fatal(err)
	}
	tok, err := client.Token(ctx)
	if err != nil {
		b.Fatal(err)
	}
	body, err := json.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, err := client.Send(ctx, req, redcloud.WithIdempotencyKey(key))
			if err != nil || !res.Replayed || len(res.Results) != 1 {
				b.Fatal(res, err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+sendPath, bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			r.Header.Set(redcloud.HeaderIdempotencyKey, key)
			res, err := hc.Do(r)
			if err != nil {
				b.Fatal(err)
			}
			out, err := io.ReadAll(res.Body)
			res.Body.Close()
			var sr redcloud.SendResponse
			if err != nil || res.StatusCode != http.StatusAccepted || json.Unmarshal(out, &sr) != nil || len(sr.Results) != 1 {
				b.Fatal(res.StatusCode, string(out), err)
			}
		}
	})
}
