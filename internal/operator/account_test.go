package operator_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
)

func TestAccountInputValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		in         operator.AccountInput
		field, msg string // "" when valid
	}{
		{"name only", operator.AccountInput{Name: "Acme"}, "", ""},
		{"chosen id", operator.AccountInput{Name: "Acme", ID: "acct_Acme-1_x"}, "", ""},
		{"id of 64 characters", operator.AccountInput{Name: "Acme", ID: "acct_" + strings.Repeat("a", 64)}, "", ""},
		{"200 characters", operator.AccountInput{Name: strings.Repeat("é", 200)}, "", ""},
		{"no name", operator.AccountInput{}, "name", "name is required and must not be blank"},
		{"blank name", operator.AccountInput{Name: " \t "}, "name", "name is required and must not be blank"},
		{"201 characters", operator.AccountInput{Name: strings.Repeat("é", 201)}, "name", "name must be at most 200 characters"},
		{"control character", operator.AccountInput{Name: "Ac\x00me"}, "name", "name must not contain control characters"},
		{"delete character", operator.AccountInput{Name: "Ac\x7fme"}, "name", "name must not contain control characters"},
		{"id without prefix", operator.AccountInput{Name: "Acme", ID: "acme"}, "id", `id "acme": must be acct_ followed by 1-64 letters, digits, '_' or '-'`},
		{"id of prefix only", operator.AccountInput{Name: "Acme", ID: "acct_"}, "id", "acct_ followed by"},
		{"id of 65 characters", operator.AccountInput{Name: "Acme", ID: "acct_" + strings.Repeat("a", 65)}, "id", "acct_ followed by"},
		{"id with a dot", operator.AccountInput{Name: "Acme", ID: "acct_a.b"}, "id", "acct_ followed by"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.in.Validate()
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("Validate(%+v) = %v, want nil", tc.in, err)
				}
				return
			}
			wantError(t, err, redcloud.CodeInvalidRequest, tc.field, tc.msg)
		})
	}
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		a, err := e.op.CreateAccount(e.ctx, operator.AccountInput{Name: "  Acme Inc  "})
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^acct_[0-9a-z]{26}$`).MatchString(a.ID) || a.Name != "Acme Inc" || a.Status != redcloud.StatusActive || !a.CreatedAt.Equal(t0) {
			t.Errorf("created %+v", a)
		}
		_, err = e.op.CreateAccount(e.ctx, operator.AccountInput{Name: "   "})
		wantError(t, err, redcloud.CodeInvalidRequest, "name", "name is required")
		e.account(t, "acct_beta")
		_, err = e.op.CreateAccount(e.ctx, operator.AccountInput{Name: "Again", ID: "acct_beta"})
		wantError(t, err, redcloud.CodeConflict, "", "account acct_beta already exists")

		e.op.CreateClient(e.ctx, operator.ClientInput{AccountID: "acct_beta", ID: "beta_1", Name: "B1", Capabilities: []string{"numbers:read"}})
		e.op.CreateClient(e.ctx, operator.ClientInput{AccountID: "acct_beta", ID: "beta_2", Name: "B2", Capabilities: []string{"numbers:read"}})
		list, err := e.op.ListAccounts(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, x := range list {
			got[x.ID] = x.APIClients
		}
		if len(list) != 2 || got[a.ID] != 0 || got["acct_beta"] != 2 {
			t.Errorf("ListAccounts = %+v", list)
		}

		for _, tc := range []struct {
			status, from, to string
		}{
			{"suspended", "ACTIVE", "SUSPENDED"},
			{"SUSPENDED", "SUSPENDED", "SUSPENDED"},
			{" Active ", "SUSPENDED", "ACTIVE"},
		} {
			ch, err := e.op.SetAccountStatus(e.ctx, "acct_beta", tc.status)
			if err != nil {
				t.Fatal(err)
			}
			if ch.ID != "acct_beta" || ch.From != tc.from || ch.To != tc.to || ch.APIClients != 2 {
				t.Errorf("SetAccountStatus(%q) = %+v, want %s -> %s with 2 API clients", tc.status, ch, tc.from, tc.to)
			}
		}
		c, err := e.op.GetClient(e.ctx, "beta_1")
		if err != nil || c.AccountStatus != redcloud.StatusActive {
			t.Errorf("after activation the client's account is %q (%v)", c.AccountStatus, err)
		}
		_, err = e.op.SetAccountStatus(e.ctx, "acct_nope", "ACTIVE")
		wantError(t, err, redcloud.CodeNotFound, "", "account acct_nope not found")
		_, err = e.op.SetAccountStatus(e.ctx, "acct_beta", "DISABLED")
		wantError(t, err, redcloud.CodeInvalidRequest, "status", `status "DISABLED": a status is ACTIVE or SUSPENDED`)
	})
}
