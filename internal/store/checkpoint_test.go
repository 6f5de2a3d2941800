package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The write-ahead log is copied into the database file while writes go on,
// by the store's checkpointer and not only when the log reaches the
// writer's backstop (10,000 pages, far more than these writes).
func TestCheckpointerCopiesTheLog(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "t.db")
	db := openSQLiteAt(t, path)
	ctx := context.Background()
	c, _, na, _ := twoClients(t, db)
	size := func() int64 {
		fi, err := os.Stat(path)
		must(t, err)
		return fi.Size()
	}
	// Let the setup's writes settle into the file first.
	time.Sleep(200 * time.Millisecond)
	before := size()
	for i := range 300 {
		body := fmt.Sprintf(`{"sendFrom":"num_a","to":["+1555000%04d"],"messageType":"SMS","text":"m"}`, i)
		if _, _, err := db.Accept(ctx, acceptance(t, c, na, fmt.Sprintf("k%d", i), t0, time.Hour, body)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes after 300 acceptances: the log was not copied", before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Closing the store twice is harmless (tests' cleanups and shutdown paths
// both close it).
func TestCloseTwice(t *testing.T) {
	t.Parallel()
	db := openSQLiteAt(t, filepath.Join(t.TempDir(), "t.db"))
	must(t, db.Close())
	db.Close()
}
