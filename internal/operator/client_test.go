package operator_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

func TestClientInputValidate(t *testing.T) {
	t.Parallel()
	ok := operator.ClientInput{AccountID: "acct_a", Name: "Acme", Capabilities: []string{"numbers:read"}}
	with := func(f func(*operator.ClientInput)) operator.ClientInput { in := ok; f(&in); return in }
	for _, tc := range []struct {
		name       string
		in         operator.ClientInput
		field, msg string // "" when valid
	}{
		{"valid", ok, "", ""},
		{"chosen id", with(func(in *operator.ClientInput) { in.ID = "acme_prod_2" }), "", ""},
		{"no account", with(func(in *operator.ClientInput) { in.AccountID = "" }), "account", "account is required"},
		{"blank name", with(func(in *operator.ClientInput) { in.Name = " " }), "name", "name is required"},
		{"id too short", with(func(in *operator.ClientInput) { in.ID = "ab" }), "id", `id "ab": an API client id is 3-64 characters of a-z, 0-9 and '_'`},
		{"id upper case", with(func(in *operator.ClientInput) { in.ID = "Acme" }), "id", "3-64 characters"},
		{"id with a dash", with(func(in *operator.ClientInput) { in.ID = "acme-prod" }), "id", "3-64 characters"},
		{"id too long", with(func(in *operator.ClientInput) { in.ID = strings.Repeat("a", 65) }), "id", "3-64 characters"},
		{"unknown capability", with(func(in *operator.ClientInput) { in.Capabilities = []string{"numbers:read", "send"} }), "capabilities",
			`capabilities: unknown capability "send"; valid capabilities: messages:send, numbers:read, numbers:search, numbers:update`},
		{"no capability", with(func(in *operator.ClientInput) { in.Capabilities = nil }), "capabilities", "capabilities: no capability named"},
		{"blank capabilities", with(func(in *operator.ClientInput) { in.Capabilities = []string{" ", ""} }), "capabilities", "no capability named"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.in.Validate()
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			wantError(t, err, redcloud.CodeInvalidRequest, tc.field, tc.msg)
		})
	}
}

func TestClients(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		e.account(t, "acct_a")
		c, err := e.op.CreateClient(e.ctx, operator.ClientInput{AccountID: "acct_a", Name: " Acme prod ",
			Capabilities: []string{" numbers:search", "numbers:read", "numbers:read", ""}})
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^rc_[0-9a-z]{26}$`).MatchString(c.ID) || c.Name != "Acme prod" || c.AccountStatus != redcloud.StatusActive ||
			!slices.Equal(c.Capabilities, []string{"numbers:read", "numbers:search"}) || !c.CreatedAt.Equal(t0) {
			t.Errorf("created %+v", c.APIClient)
		}
		if !strings.HasPrefix(c.ClientSecret, platform.PrefixClientSecret) || !platform.SecretMatches(c.ClientSecret, c.SecretHash) ||
			!strings.HasPrefix(c.WebhookSecret, platform.PrefixWebhookSecret) {
			t.Errorf("secrets %q %q do not match what is stored", c.ClientSecret, c.WebhookSecret)
		}
		stored, err := e.db.GetAPIClient(e.ctx, c.ID)
		if err != nil || stored.SecretHash == c.ClientSecret || !platform.SecretMatches(c.ClientSecret, stored.SecretHash) {
			t.Errorf("stored %+v, %v", stored, err)
		}

		for _, tc := range []struct {
			in        operator.ClientInput
			code, msg string
		}{
			{operator.ClientInput{AccountID: "acct_a", ID: c.ID, Name: "X", Capabilities: []string{"numbers:read"}}, redcloud.CodeConflict, "api client " + c.ID + " already exists"},
			{operator.ClientInput{AccountID: "acct_nope", Name: "X", Capabilities: []string{"numbers:read"}}, redcloud.CodeNotFound, "account acct_nope not found"},
			{operator.ClientInput{AccountID: "acct_a", Name: "X"}, redcloud.CodeInvalidRequest, "no capability named"},
		} {
			_, err := e.op.CreateClient(e.ctx, tc.in)
			wantError(t, err, tc.code, "", tc.msg)
		}

		e.client(t, "other")
		e.number(t, "num_1", "+15125550100", c.ID)
		e.op.UpdateNumber(e.ctx, "num_1", operator.NumberUpdate{MMSEnabled: ptr(false)})
		all, err := e.op.ListClients(e.ctx, "")
		if err != nil || len(all) != 2 {
			t.Fatalf("ListClients = %+v, %v", all, err)
		}
		mine, err := e.op.ListClients(e.ctx, "acct_a")
		if err != nil || len(mine) != 1 || mine[0].ID != c.ID || mine[0].Numbers != (redcloud.AssignedNumbers{Total: 1, SMSEnabledCount: 1}) {
			t.Errorf("ListClients(acct_a) = %+v, %v", mine, err)
		}
		_, err = e.op.ListClients(e.ctx, "acct_nope")
		wantError(t, err, redcloud.CodeNotFound, "", "account acct_nope not found")
		got, err := e.op.GetClient(e.ctx, c.ID)
		if err != nil || got.ID != c.ID || got.Numbers.Total != 1 {
			t.Errorf("GetClient = %+v, %v", got, err)
		}
		_, err = e.op.GetClient(e.ctx, "rc_x")
		wantError(t, err, redcloud.CodeNotFound, "", "api client rc_x not found")

		// Status: the change, and the account's status beside it.
		e.op.SetAccountStatus(e.ctx, "acct_a", "SUSPENDED")
		for _, tc := range []struct{ status, from, to string }{
			{"suspended", "ACTIVE", "SUSPENDED"}, {"SUSPENDED", "SUSPENDED", "SUSPENDED"}, {"ACTIVE", "SUSPENDED", "ACTIVE"},
		} {
			ch, err := e.op.SetClientStatus(e.ctx, c.ID, tc.status)
			if err != nil || ch.From != tc.from || ch.To != tc.to || ch.AccountID != "acct_a" || ch.AccountStatus != redcloud.StatusSuspended {
				t.Errorf("SetClientStatus(%q) = %+v, %v", tc.status, ch, err)
			}
		}
		_, err = e.op.SetClientStatus(e.ctx, "rc_x", "ACTIVE")
		wantError(t, err, redcloud.CodeNotFound, "", "api client rc_x not found")
		_, err = e.op.SetClientStatus(e.ctx, c.ID, "gone")
		wantError(t, err, redcloud.CodeInvalidRequest, "status", "a status is ACTIVE or SUSPENDED")
	})
}

func TestSetCapabilities(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		c := e.client(t, "acme")
		for _, tc := range []struct {
			names          []string
			want           []string
			code, field, m string // the error, when code is not empty
		}{
			{names: []string{"numbers:search", "numbers:read"}, want: []string{"numbers:read", "numbers:search"}},
			{names: []string{"messages:send", " numbers:update "}, want: []string{"messages:send", "numbers:update"}},
			{names: []string{"numbers:read", "numbers:write"}, want: []string{"messages:send", "numbers:update"},
				code: redcloud.CodeInvalidRequest, field: "capabilities", m: `unknown capability "numbers:write"; valid capabilities: messages:send`},
			{names: []string{"", " "}, want: []string{"messages:send", "numbers:update"},
				code: redcloud.CodeInvalidRequest, field: "capabilities", m: "no capability named"},
			{names: nil, want: nil},
			{names: []string{"numbers:read"}, want: []string{"numbers:read"}},
			{names: []string{}, want: nil},
		} {
			before, _ := e.db.GetAPIClient(e.ctx, c.ID)
			ch, err := e.op.SetCapabilities(e.ctx, c.ID, tc.names)
			if tc.code != "" {
				wantError(t, err, tc.code, tc.field, tc.m)
				if cerr := operator.CheckCapabilities(tc.names); cerr == nil {
					t.Errorf("CheckCapabilities(%q) = nil, SetCapabilities refused them", tc.names)
				}
			} else if err != nil || !slices.Equal(ch.From, before.Capabilities) || !slices.Equal(ch.To, tc.want) {
				t.Errorf("SetCapabilities(%q) = %+v, %v; want %v -> %v", tc.names, ch, err, before.Capabilities, tc.want)
			}
			if after, _ := e.db.GetAPIClient(e.ctx, c.ID); !slices.Equal(after.Capabilities, tc.want) {
				t.Errorf("after SetCapabilities(%q) the client has %v, want %v", tc.names, after.Capabilities, tc.want)
			}
		}
		_, err := e.op.SetCapabilities(e.ctx, "rc_x", []string{"numbers:read"})
		wantError(t, err, redcloud.CodeNotFound, "", "api client rc_x not found")
	})
}

func TestClientSecrets(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		c := e.client(t, "acme")
		issue := func() string {
			t.Helper()
			tok := platform.NewSecret(platform.PrefixToken)
			if err := e.db.InsertToken(e.ctx, platform.Token{Hash: platform.HashSecret(tok), APIClientID: c.ID,
				ExpiresAt: time.Now().Add(time.Hour), CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			return tok
		}
		valid := func(tok string) bool {
			_, _, err := e.db.LookupToken(e.ctx, platform.HashSecret(tok), time.Now())
			return err == nil
		}
		hash := func() string { x, _ := e.db.GetAPIClient(e.ctx, c.ID); return x.SecretHash }

		tok := issue()
		s, err := e.op.RotateClientSecret(e.ctx, c.ID, false)
		if err != nil || s.ClientID != c.ID || s.TokensKept || s.RevokedTokens != 1 || !platform.SecretMatches(s.ClientSecret, hash()) {
			t.Errorf("RotateClientSecret = %+v, %v", s, err)
		}
		if valid(tok) || platform.SecretMatches(c.ClientSecret, hash()) {
			t.Error("the old secret or its token still works after rotation")
		}
		tok = issue()
		s, err = e.op.RotateClientSecret(e.ctx, c.ID, true)
		if err != nil || !s.TokensKept || s.RevokedTokens != 0 || !platform.SecretMatches(s.ClientSecret, hash()) || !valid(tok) {
			t.Errorf("RotateClientSecret(keepTokens) = %+v, %v; token valid %v", s, err, valid(tok))
		}
		if n, err := e.op.RevokeTokens(e.ctx, c.ID); n != 1 || err != nil || valid(tok) {
			t.Errorf("RevokeTokens = %d, %v", n, err)
		}
		for _, err := range []error{
			func() error { _, err := e.op.RotateClientSecret(e.ctx, "rc_x", false); return err }(),
			func() error { _, err := e.op.RevokeTokens(e.ctx, "rc_x"); return err }(),
			func() error { _, err := e.op.RotateWebhookSecret(e.ctx, "rc_x", false); return err }(),
			e.op.ActivateWebhookSecret(e.ctx, "rc_x"),
		} {
			wantError(t, err, redcloud.CodeNotFound, "", "api client rc_x not found")
		}

		// Webhook secret: next, then activation.
		err = e.op.ActivateWebhookSecret(e.ctx, c.ID)
		wantError(t, err, redcloud.CodeConflict, "", "has no next webhook secret to activate")
		wantReason(t, err, operator.ReasonNoWebhookSecretPending)
		next, err := e.op.RotateWebhookSecret(e.ctx, c.ID, false)
		if x, _ := e.db.GetAPIClient(e.ctx, c.ID); err != nil || x.WebhookSecretNext == nil || *x.WebhookSecretNext != next || x.WebhookSecret != c.WebhookSecret {
			t.Fatalf("RotateWebhookSecret = %q, %v; stored %+v", next, err, x)
		}
		_, err = e.op.RotateWebhookSecret(e.ctx, c.ID, false)
		wantError(t, err, redcloud.CodeConflict, "", "already has a next webhook secret waiting for activation")
		wantReason(t, err, operator.ReasonWebhookSecretPending)
		replaced, err := e.op.RotateWebhookSecret(e.ctx, c.ID, true)
		if err != nil || replaced == next {
			t.Fatalf("RotateWebhookSecret(replace) = %q, %v", replaced, err)
		}
		if err := e.op.ActivateWebhookSecret(e.ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if x, _ := e.db.GetAPIClient(e.ctx, c.ID); x.WebhookSecret != replaced || x.WebhookSecretNext != nil {
			t.Errorf("after activation: current %q, next %v; want %q, nil", x.WebhookSecret, x.WebhookSecretNext, replaced)
		}
	})
}

// wantReason fails t unless err's details.reason is reason.
func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	if e, ok := platform.AsError(err); !ok || e.Details["reason"] != reason {
		t.Errorf("error %v has no reason %q", err, reason)
	}
}
