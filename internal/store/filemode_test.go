package store_test

import (
	"os"
	"path/filepath"
	"testing"
)

// A new SQLite database is readable by its owner only: it holds webhook
// secrets and message text.
func TestNewSQLiteFileIsPrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "private.db")
	openSQLiteAt(t, path)
	for _, f := range []string{path, path + "-wal"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s: mode %o, want no group or other access", filepath.Base(f), mode)
		}
	}
}
