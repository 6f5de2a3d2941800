package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestConstraintViolations provokes real violations on each database and
// checks that the drivers' typed errors are told apart: a unique or
// primary-key violation, a foreign-key violation, and anything else.
func TestConstraintViolations(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		twoClients(t, db) // acct_a, rc_a, rc_b, num_a +15551230001
		write, _ := store.Handles(db)
		for _, tt := range []struct {
			name         string
			stmt         string // no placeholders: runs unchanged on both
			unique, fkey bool
		}{
			{"primary key", `INSERT INTO accounts (id, name, status, created_at) VALUES ('acct_a', 'A', 'ACTIVE', 0)`, true, false},
			{"unique column", `INSERT INTO numbers (id, e164, status, sms_enabled, mms_enabled, npa, nxx, city, state,
				zip_code, rate_center, created_at) VALUES ('num_x', '+15551230001', 'ACTIVE', 1, 1, '555', '123', 'c', 'TX', 'z', 'r', 0)`, true, false},
			{"foreign key", `INSERT INTO tokens (hash, api_client_id, expires_at, created_at) VALUES ('h', 'rc_nope', 0, 0)`, false, true},
			{"foreign key on update", `UPDATE numbers SET api_client_id = 'rc_nope' WHERE id = 'num_a'`, false, true},
			{"not null", `INSERT INTO accounts (id, name, status) VALUES ('acct_x', 'X', 'ACTIVE')`, false, false},
			{"no such table", `INSERT INTO nowhere (id) VALUES ('x')`, false, false},
		} {
			_, err := write.ExecContext(context.Background(), tt.stmt)
			if err == nil {
				t.Errorf("%s: no error", tt.name)
				continue
			}
			for _, e := range []error{err, fmt.Errorf("wrapped: %w", err)} {
				if got := store.IsUniqueViolation(e); got != tt.unique {
					t.Errorf("%s: IsUniqueViolation(%v) = %v, want %v", tt.name, e, got, tt.unique)
				}
				if got := store.IsForeignKeyViolation(e); got != tt.fkey {
					t.Errorf("%s: IsForeignKeyViolation(%v) = %v, want %v", tt.name, e, got, tt.fkey)
				}
			}
		}
	})
}

func TestConstraintViolationOfNoDriverError(t *testing.T) {
	t.Parallel()
	for _, err := range []error{nil, errors.New("UNIQUE constraint failed: SQLSTATE 23505 FOREIGN KEY 23503")} {
		if store.IsUniqueViolation(err) || store.IsForeignKeyViolation(err) {
			t.Errorf("%v: taken for a constraint violation", err)
		}
	}
}

// TestDatabaseFailureIsNotNotFound: only a missing row is answered as
// platform.ErrNotFound. A canceled context, a closed store or a table the
// query cannot read is a failure the caller must see as one (a 500, a
// retry), never as "no such number" for a number that exists.
func TestDatabaseFailureIsNotNotFound(t *testing.T) {
	t.Parallel()
	forEachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openSQLiteAt(t, dsn)
		c, _, na, _ := twoClients(t, db)
		must(t, db.InsertNumber(ctx, mkNumber("num_inv", "+15551230009", "")))
		must(t, db.InsertToken(ctx, platform.Token{Hash: "tok", APIClientID: c.ID, ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}))
		m, e, d := platform.NewInbound(c, na, platform.InboundInput{From: "+15557654321", Text: "hi"}, t0)
		must(t, db.InsertInbound(ctx, m, e, d))
		_, created, err := db.Accept(ctx, acceptance(t, c, na, "key", t0, time.Hour, sendSMS))
		must(t, err)
		if !created {
			t.Fatal("the acceptance was not created")
		}
		campaign := ptr("C1")

		// Each call succeeds on the healthy database; table is one its answer
		// depends on.
		calls := []struct {
			name, table string
			call        func(context.Context, *store.DB) error
		}{
			{"GetAPIClient", "accounts", func(ctx context.Context, db *store.DB) error {
				_, err := db.GetAPIClient(ctx, c.ID)
				return err
			}},
			{"LookupToken", "tokens", func(ctx context.Context, db *store.DB) error {
				_, _, err := db.LookupToken(ctx, "tok", t0)
				return err
			}},
			{"GetNumber", "numbers", func(ctx context.Context, db *store.DB) error {
				_, err := db.GetNumber(ctx, na.ID)
				return err
			}},
			{"GetNumberByE164", "numbers", func(ctx context.Context, db *store.DB) error {
				_, err := db.GetNumberByE164(ctx, na.E164)
				return err
			}},
			{"UpdateNumber", "numbers", func(ctx context.Context, db *store.DB) error {
				_, err := db.UpdateNumber(ctx, c.ID, na.ID, platform.NumberUpdateInput{CampaignRegID: &campaign})
				return err
			}},
			{"SetNumberAttrs", "numbers", func(ctx context.Context, db *store.DB) error {
				return db.SetNumberAttrs(ctx, na.ID, store.NumberAttrs{Status: ptr(redcloud.StatusActive)})
			}},
			{"AssignNumber", "api_clients", func(ctx context.Context, db *store.DB) error {
				return db.AssignNumber(ctx, "num_inv", c.ID)
			}},
			{"SetAccountStatus", "accounts", func(ctx context.Context, db *store.DB) error {
				return db.SetAccountStatus(ctx, c.AccountID, redcloud.StatusActive)
			}},
			{"SetAPIClientStatus", "api_clients", func(ctx context.Context, db *store.DB) error {
				return db.SetAPIClientStatus(ctx, c.ID, redcloud.StatusActive)
			}},
			{"SetWebhookURLs", "api_clients", func(ctx context.Context, db *store.DB) error {
				u := ptr("https://example.com/hooks")
				return db.SetWebhookURLs(ctx, c.ID, &u, nil)
			}},
			{"RotateAPIClientSecret", "api_clients", func(ctx context.Context, db *store.DB) error {
				_, err := db.RotateAPIClientSecret(ctx, "rc_b", platform.HashSecret("new"))
				return err
			}},
			{"GetIdempotency", "idempotency_keys", func(ctx context.Context, db *store.DB) error {
				_, err := db.GetIdempotency(ctx, c.ID, "key", t0)
				return err
			}},
			{"GetMessage", "messages", func(ctx context.Context, db *store.DB) error {
				_, _, err := db.GetMessage(ctx, c.ID, m.ID)
				return err
			}},
			{"GetMessage's events", "events", func(ctx context.Context, db *store.DB) error {
				_, _, err := db.GetMessage(ctx, c.ID, m.ID)
				return err
			}},
			{"GetMessageByID", "messages", func(ctx context.Context, db *store.DB) error {
				_, err := db.GetMessageByID(ctx, m.ID)
				return err
			}},
			{"GetEvent", "events", func(ctx context.Context, db *store.DB) error {
				_, _, err := db.GetEvent(ctx, e.ID)
				return err
			}},
			{"ReplayEvents", "messages", func(ctx context.Context, db *store.DB) error {
				_, err := db.ReplayEvents(ctx, []string{e.ID}, t0)
				return err
			}},
		}
		wantFailure := func(how, name string, err error) {
			t.Helper()
			if err == nil {
				t.Errorf("%s: %s succeeded", how, name)
			} else if errors.Is(err, platform.ErrNotFound) {
				t.Errorf("%s: %s answered not found: %v", how, name, err)
			}
		}
		for _, tt := range calls {
			if err := tt.call(ctx, db); err != nil {
				t.Fatalf("healthy: %s: %v", tt.name, err)
			}
		}

		canceled, cancel := context.WithCancel(ctx)
		cancel()
		for _, tt := range calls {
			wantFailure("canceled context", tt.name, tt.call(canceled, db))
		}

		write, _ := store.Handles(db)
		for _, tt := range calls {
			if _, err := write.ExecContext(ctx, "ALTER TABLE "+tt.table+" RENAME TO gone"); err != nil {
				t.Fatal(err)
			}
			wantFailure("table "+tt.table+" missing", tt.name, tt.call(ctx, db))
			if _, err := write.ExecContext(ctx, "ALTER TABLE gone RENAME TO "+tt.table); err != nil {
				t.Fatal(err)
			}
		}

		closed, err := store.Open(ctx, dsn)
		must(t, err)
		must(t, closed.Close())
		for _, tt := range calls {
			wantFailure("closed store", tt.name, tt.call(ctx, closed))
		}
	})
}
