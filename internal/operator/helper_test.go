package operator_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
)

// t0 is the operator's clock in every test.
var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// env is an operator on a fresh database.
type env struct {
	ctx context.Context
	db  *store.DB
	op  *operator.Operator
}

// postgresSlots bounds the PostgreSQL tests that run at once: the server's
// connections are shared with every other package's tests.
var postgresSlots = make(chan struct{}, 4)

// forEachDB runs fn as a parallel subtest on a fresh SQLite file and on a
// PostgreSQL schema of its own (skipped without REDCLOUD_TEST_POSTGRES_URL).
func forEachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, d := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return storetest.SQLite(t) }},
		{"postgres", func(t *testing.T) string {
			postgresSlots <- struct{}{}
			t.Cleanup(func() { <-postgresSlots }) // last: after the schema is dropped
			return storetest.Postgres(t)
		}},
	} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dsn := d.dsn(t)
			db, err := store.Open(context.Background(), storetest.Small(dsn, 8))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			fn(t, &env{ctx: context.Background(), db: db, op: operator.New(db, operator.Config{Now: func() time.Time { return t0 }})})
		})
	}
}

// wantError fails t unless err is a *platform.Error with code whose
// message contains msg and, when field is not empty, whose details.field
// is field.
func wantError(t *testing.T, err error, code, field, msg string) {
	t.Helper()
	var e *platform.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want a %s error containing %q", err, err, code, msg)
	}
	if e.Code != code || !strings.Contains(e.Message, msg) {
		t.Errorf("error %s %q, want %s containing %q", e.Code, e.Message, code, msg)
	}
	if got, _ := e.Details["field"].(string); field != "" && got != field {
		t.Errorf("error %q names field %q, want %q", e.Message, got, field)
	}
}

// account creates an account with a chosen id.
func (e *env) account(t *testing.T, id string) platform.Account {
	t.Helper()
	a, err := e.op.CreateAccount(e.ctx, operator.AccountInput{ID: id, Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// client creates an account and an API client with every capability.
func (e *env) client(t *testing.T, id string) operator.NewClient {
	t.Helper()
	e.account(t, "acct_"+id)
	c, err := e.op.CreateClient(e.ctx, operator.ClientInput{AccountID: "acct_" + id, ID: id, Name: "Acme prod", Capabilities: platform.AllCapabilities})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// number adds an ACTIVE number, assigned to clientID unless it is empty.
func (e *env) number(t *testing.T, id, e164, clientID string) platform.Number {
	t.Helper()
	n, err := e.op.AddNumber(e.ctx, operator.NumberInput{ID: id, E164: e164, APIClientID: clientID, Status: "ACTIVE", SMSEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }
