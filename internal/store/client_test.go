package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

func TestAPIClientCreateGetList(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mkAccount(t, db, "acct_a")
		full := platform.APIClient{
			ID: "rc_b", AccountID: "acct_a", Name: "Full", Status: redcloud.StatusActive,
			SecretHash: platform.HashSecret("s"), Capabilities: []string{redcloud.CapNumbersRead, redcloud.CapMessagesSend},
			DeliveryURL: ptr("https://h.example/d"), InboundURL: ptr("https://h.example/i"),
			WebhookSecret: "whsec_1", WebhookSecretNext: ptr("whsec_2"),
			KeywordReplies: platform.KeywordReplies{OptOut: "Full: unsubscribed", Help: "Full: help"}, CreatedAt: t0,
		}
		must(t, db.CreateAPIClient(ctx, full))
		full.AccountStatus = redcloud.StatusActive
		bare := mkClient(t, db, "acct_a", "rc_a")

		got, err := db.GetAPIClient(ctx, "rc_b")
		must(t, err)
		if !reflect.DeepEqual(got, full) {
			t.Errorf("GetAPIClient =\n%+v\nwant\n%+v", got, full)
		}
		got, err = db.GetAPIClient(ctx, "rc_a")
		must(t, err)
		if !reflect.DeepEqual(got, bare) {
			t.Errorf("GetAPIClient =\n%+v\nwant\n%+v", got, bare)
		}
		if got.DeliveryURL != nil || got.InboundURL != nil || got.WebhookSecretNext != nil {
			t.Error("unset URLs or next secret read back as set")
		}

		list, err := db.ListAPIClients(ctx)
		must(t, err)
		if want := []platform.APIClient{bare, full}; !reflect.DeepEqual(list, want) {
			t.Errorf("ListAPIClients =\n%+v\nwant (by id)\n%+v", list, want)
		}

		_, err = db.GetAPIClient(ctx, "rc_nope")
		wantIs(t, err, platform.ErrNotFound)
		wantIs(t, db.CreateAPIClient(ctx, platform.APIClient{ID: "rc_c", AccountID: "acct_nope", Status: redcloud.StatusActive, WebhookSecret: "w"}),
			platform.ErrNotFound)
		wantIs(t, db.CreateAPIClient(ctx, platform.APIClient{ID: "rc_a", AccountID: "acct_a", Status: redcloud.StatusActive, WebhookSecret: "w"}),
			platform.ErrConflict)
	})
}

func TestAPIClientStatusSecretCapabilities(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mkAccount(t, db, "acct_a")
		mkClient(t, db, "acct_a", "rc_a")
		get := func() platform.APIClient {
			t.Helper()
			c, err := db.GetAPIClient(ctx, "rc_a")
			must(t, err)
			return c
		}

		must(t, db.SetAPIClientStatus(ctx, "rc_a", redcloud.StatusSuspended))
		if c := get(); c.Status != redcloud.StatusSuspended || c.AccountStatus != redcloud.StatusActive {
			t.Errorf("status, account status = %s, %s", c.Status, c.AccountStatus)
		}
		must(t, db.SetAccountStatus(ctx, "acct_a", redcloud.StatusSuspended))
		if c := get(); c.AccountStatus != redcloud.StatusSuspended {
			t.Errorf("account status = %s, want SUSPENDED", c.AccountStatus)
		}

		must(t, db.SetAPIClientSecret(ctx, "rc_a", platform.HashSecret("new")))
		if c := get(); !platform.SecretMatches("new", c.SecretHash) || platform.SecretMatches("secret-rc_a", c.SecretHash) {
			t.Error("secret not replaced")
		}

		must(t, db.SetCapabilities(ctx, "rc_a", []string{redcloud.CapNumbersSearch}))
		if c := get(); !reflect.DeepEqual(c.Capabilities, []string{redcloud.CapNumbersSearch}) || c.Has(redcloud.CapMessagesSend) {
			t.Errorf("capabilities = %q", c.Capabilities)
		}
		must(t, db.SetCapabilities(ctx, "rc_a", nil))
		if c := get(); len(c.Capabilities) != 0 {
			t.Errorf("capabilities after clearing = %q", c.Capabilities)
		}

		for name, err := range map[string]error{
			"status":       db.SetAPIClientStatus(ctx, "rc_nope", redcloud.StatusActive),
			"secret":       db.SetAPIClientSecret(ctx, "rc_nope", "h"),
			"capabilities": db.SetCapabilities(ctx, "rc_nope", nil),
			"next secret":  db.SetNextWebhookSecret(ctx, "rc_nope", "whsec_x"),
			"activate":     db.ActivateNextWebhookSecret(ctx, "rc_nope"),
			"webhook urls": db.SetWebhookURLs(ctx, "rc_nope", ptr(ptr("https://h.example/d")), nil),
		} {
			if !errorsIsNotFound(err) {
				t.Errorf("%s of an unknown client: err = %v, want ErrNotFound", name, err)
			}
		}
	})
}

func TestSetWebhookURLs(t *testing.T) {
	t.Parallel()
	d1, i1, d2 := "https://h.example/d1", "https://h.example/i1", "https://h.example/d2"
	steps := []struct {
		name              string
		delivery, inbound **string
		wantD, wantI      *string
	}{
		{"set both", ptr(&d1), ptr(&i1), &d1, &i1},
		{"nil leaves both unchanged", nil, nil, &d1, &i1},
		{"change delivery only", ptr(&d2), nil, &d2, &i1},
		{"clear inbound only", nil, ptr[*string](nil), &d2, nil},
		{"clear delivery", ptr[*string](nil), nil, nil, nil},
		{"set inbound again", nil, ptr(&i1), nil, &i1},
	}
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mkAccount(t, db, "acct_a")
		mkClient(t, db, "acct_a", "rc_a")
		mkClient(t, db, "acct_a", "rc_b")
		for _, s := range steps {
			must(t, db.SetWebhookURLs(ctx, "rc_a", s.delivery, s.inbound))
			c, err := db.GetAPIClient(ctx, "rc_a")
			must(t, err)
			if !reflect.DeepEqual(c.DeliveryURL, s.wantD) || !reflect.DeepEqual(c.InboundURL, s.wantI) {
				t.Errorf("%s: delivery, inbound = %v, %v; want %v, %v", s.name, deref(c.DeliveryURL), deref(c.InboundURL),
					deref(s.wantD), deref(s.wantI))
			}
		}
		other, err := db.GetAPIClient(ctx, "rc_b")
		must(t, err)
		if other.DeliveryURL != nil || other.InboundURL != nil {
			t.Error("another client's URLs changed")
		}
	})
}

func TestWebhookSecretRotation(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mkAccount(t, db, "acct_a")
		mkClient(t, db, "acct_a", "rc_a")

		wantIs(t, db.ActivateNextWebhookSecret(ctx, "rc_a"), platform.ErrNotFound) // no next secret yet

		must(t, db.SetNextWebhookSecret(ctx, "rc_a", "whsec_next"))
		c, err := db.GetAPIClient(ctx, "rc_a")
		must(t, err)
		if c.WebhookSecret != "whsec_rc_a" || deref(c.WebhookSecretNext) != "whsec_next" {
			t.Fatalf("before activation: current %q, next %v", c.WebhookSecret, deref(c.WebhookSecretNext))
		}

		must(t, db.ActivateNextWebhookSecret(ctx, "rc_a"))
		c, err = db.GetAPIClient(ctx, "rc_a")
		must(t, err)
		if c.WebhookSecret != "whsec_next" || c.WebhookSecretNext != nil {
			t.Fatalf("after activation: current %q, next %v", c.WebhookSecret, deref(c.WebhookSecretNext))
		}

		wantIs(t, db.ActivateNextWebhookSecret(ctx, "rc_a"), platform.ErrNotFound) // consumed
		c, err = db.GetAPIClient(ctx, "rc_a")
		must(t, err)
		if c.WebhookSecret != "whsec_next" {
			t.Errorf("a failed activation changed the secret to %q", c.WebhookSecret)
		}
	})
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// clientsWithTokens creates, in db, account acct_a and the API clients
// named, each with one unexpired token; it returns the tokens by client.
func clientsWithTokens(t *testing.T, db *store.DB, clients ...string) map[string]string {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	must(t, db.CreateAccount(ctx, platform.Account{ID: "acct_a", Name: "A", Status: redcloud.StatusActive, CreatedAt: now}))
	tokens := map[string]string{}
	for _, id := range clients {
		must(t, db.CreateAPIClient(ctx, platform.APIClient{
			ID: id, AccountID: "acct_a", Name: id, Status: redcloud.StatusActive,
			SecretHash: platform.HashSecret("old-" + id), Capabilities: platform.AllCapabilities,
			WebhookSecret: platform.NewSecret(platform.PrefixWebhookSecret), CreatedAt: now,
		}))
		tok := platform.NewSecret(platform.PrefixToken)
		must(t, db.InsertToken(ctx, platform.Token{
			Hash: platform.HashSecret(tok), APIClientID: id, ExpiresAt: now.Add(time.Hour), CreatedAt: now,
		}))
		tokens[id] = tok
	}
	return tokens
}

// tokenValid reports whether the token still authenticates.
func tokenValid(t *testing.T, db *store.DB, token string) bool {
	t.Helper()
	_, _, err := db.LookupToken(context.Background(), platform.HashSecret(token), time.Now())
	if err != nil && !errors.Is(err, platform.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func TestRotateAPIClientSecret(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tokens := clientsWithTokens(t, db, "rc_a", "rc_b")

		revoked, err := db.RotateAPIClientSecret(ctx, "rc_a", platform.HashSecret("new-rc_a"))
		if err != nil {
			t.Fatal(err)
		}
		if revoked != 1 {
			t.Errorf("revoked = %d, want 1", revoked)
		}
		c, err := db.GetAPIClient(ctx, "rc_a")
		if err != nil {
			t.Fatal(err)
		}
		if !platform.SecretMatches("new-rc_a", c.SecretHash) || platform.SecretMatches("old-rc_a", c.SecretHash) {
			t.Error("the stored hash is not the new secret's")
		}
		if tokenValid(t, db, tokens["rc_a"]) {
			t.Error("a token issued before the rotation still works")
		}
		if !tokenValid(t, db, tokens["rc_b"]) {
			t.Error("another client's token was revoked")
		}
	})
}

func TestRotateAPIClientSecretUnknownClient(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tokens := clientsWithTokens(t, db, "rc_a")
		_, err := db.RotateAPIClientSecret(ctx, "rc_nope", platform.HashSecret("x"))
		if !errors.Is(err, platform.ErrNotFound) {
			t.Fatalf("err = %v, want platform.ErrNotFound", err)
		}
		if !tokenValid(t, db, tokens["rc_a"]) {
			t.Error("a failed rotation revoked tokens")
		}
	})
}

// Routing reads the client and the number as GetAPIClient and GetNumber
// do, in one query, and names what is missing.
func TestRouting(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _, na, nb := twoClients(t, db)
		url := "https://example.com/hooks"
		u := &url
		must(t, db.SetWebhookURLs(ctx, a.ID, &u, nil))
		c, n, err := db.Routing(ctx, a.ID, nb.ID)
		must(t, err)
		wantC, err := db.GetAPIClient(ctx, a.ID)
		must(t, err)
		wantN, err := db.GetNumber(ctx, nb.ID)
		must(t, err)
		if !reflect.DeepEqual(c, wantC) || !reflect.DeepEqual(n, wantN) {
			t.Fatalf("routing\n%+v\n%+v\nwant\n%+v\n%+v", c, n, wantC, wantN)
		}
		if c.DeliveryURL == nil || *c.DeliveryURL != url || n.APIClientID != "rc_b" {
			t.Fatalf("routing read %+v, %+v", c, n)
		}
		if _, _, err := db.Routing(ctx, "rc_missing", na.ID); !errorsIsNotFound(err) || !strings.Contains(err.Error(), "rc_missing") {
			t.Fatalf("missing client: %v", err)
		}
		if _, _, err := db.Routing(ctx, a.ID, "num_missing"); !errorsIsNotFound(err) || !strings.Contains(err.Error(), "num_missing") {
			t.Fatalf("missing number: %v", err)
		}
	})
}
