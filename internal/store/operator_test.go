package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

func mkOperator(t *testing.T, db *store.DB, id, email, role string) store.Operator {
	t.Helper()
	o := store.Operator{ID: id, Email: email, Role: role, PasswordHash: "hash-" + id, CreatedAt: t0, UpdatedAt: t0}
	must(t, db.CreateOperator(context.Background(), o))
	return o
}

// TestOperators: an email is taken once; list, password change and removal
// end the operator's sessions.
func TestOperators(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mkOperator(t, db, "op_a", "a@example.com", "admin")
		mkOperator(t, db, "op_b", "b@example.com", "viewer")
		err := db.CreateOperator(ctx, store.Operator{ID: "op_c", Email: "a@example.com", Role: "viewer", PasswordHash: "h", CreatedAt: t0, UpdatedAt: t0})
		wantIs(t, err, platform.ErrConflict)

		got, err := db.GetOperatorByEmail(ctx, "a@example.com")
		must(t, err)
		if got != a {
			t.Errorf("got %+v, want %+v", got, a)
		}
		_, err = db.GetOperatorByEmail(ctx, "nobody@example.com")
		wantIs(t, err, platform.ErrNotFound)
		list, err := db.ListOperators(ctx)
		must(t, err)
		if len(list) != 2 || list[0].Email != "a@example.com" || list[1].Role != "viewer" {
			t.Errorf("list = %+v", list)
		}

		session := func(hash, op string) {
			must(t, db.CreateConsoleSession(ctx, store.ConsoleSession{TokenHash: hash, OperatorID: op, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		}
		session("s1", "op_a")
		session("s2", "op_b")
		s, o, err := db.GetConsoleSession(ctx, "s1", t0.Add(time.Minute))
		must(t, err)
		if s.OperatorID != "op_a" || o.Email != "a@example.com" || !s.ExpiresAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("session %+v of %+v", s, o)
		}
		_, _, err = db.GetConsoleSession(ctx, "s1", t0.Add(time.Hour))
		wantIs(t, err, platform.ErrNotFound) // expired
		err = db.CreateConsoleSession(ctx, store.ConsoleSession{TokenHash: "s3", OperatorID: "op_nobody", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
		wantIs(t, err, platform.ErrNotFound)

		must(t, db.SetOperatorPassword(ctx, "op_a", "new-hash", t0.Add(time.Minute)))
		_, _, err = db.GetConsoleSession(ctx, "s1", t0)
		wantIs(t, err, platform.ErrNotFound)
		got, err = db.GetOperatorByEmail(ctx, "a@example.com")
		must(t, err)
		if got.PasswordHash != "new-hash" || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("after password change: %+v", got)
		}
		wantIs(t, db.SetOperatorPassword(ctx, "op_nobody", "h", t0), platform.ErrNotFound)

		must(t, db.DeleteOperator(ctx, "op_b"))
		_, _, err = db.GetConsoleSession(ctx, "s2", t0)
		wantIs(t, err, platform.ErrNotFound)
		wantIs(t, db.DeleteOperator(ctx, "op_b"), platform.ErrNotFound)
		if n := countRows(t, db, "console_sessions"); n != 0 {
			t.Errorf("%d sessions left", n)
		}
	})
}

// TestConsoleSessionLogout: a deleted session is gone; deleting it again
// is no error; expired sessions are pruned when a new one is created.
func TestConsoleSessionLogout(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mkOperator(t, db, "op_a", "a@example.com", "admin")
		must(t, db.CreateConsoleSession(ctx, store.ConsoleSession{TokenHash: "old", OperatorID: "op_a", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}))
		must(t, db.CreateConsoleSession(ctx, store.ConsoleSession{TokenHash: "new", OperatorID: "op_a", CreatedAt: t0.Add(time.Hour), ExpiresAt: t0.Add(2 * time.Hour)}))
		if n := countRows(t, db, "console_sessions"); n != 1 {
			t.Errorf("%d sessions, want the expired one pruned", n)
		}
		must(t, db.DeleteConsoleSession(ctx, "new"))
		must(t, db.DeleteConsoleSession(ctx, "new"))
		_, _, err := db.GetConsoleSession(ctx, "new", t0.Add(time.Hour))
		if !errors.Is(err, platform.ErrNotFound) {
			t.Errorf("after logout: %v", err)
		}
	})
}
