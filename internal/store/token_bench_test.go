package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// BenchmarkLookupToken measures the token lookup behind every bearer
// request that misses the server's one-second cache: one indexed read
// joining tokens, api_clients and accounts, on a real SQLite file (WAL,
// prepared statement) holding the sandbox seed and 1,000 tokens.
func BenchmarkLookupToken(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	if _, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(now)); err != nil {
		b.Fatal(err)
	}
	hashes := make([]string, 1000)
	for i := range hashes {
		hashes[i] = platform.HashSecret(platform.NewSecret(platform.PrefixToken))
		if err := db.InsertToken(ctx, platform.Token{Hash: hashes[i], APIClientID: redcloud.SandboxClientID,
			ExpiresAt: now.Add(time.Hour), CreatedAt: now}); err != nil {
			b.Fatal(err)
		}
	}
	hash := hashes[len(hashes)/2]
	b.Run("hit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, _, err := db.LookupToken(ctx, hash, now)
			if err != nil || c.ID != redcloud.SandboxClientID {
				b.Fatal(c.ID, err)
			}
		}
	})
	b.Run("miss", func(b *testing.B) {
		unknown := platform.HashSecret("not a token")
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := db.LookupToken(ctx, unknown, now); err == nil {
				b.Fatal("found a token that was never issued")
			}
		}
	})
}
