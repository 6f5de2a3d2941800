package operator

import (
	"context"
	"errors"
	"slices"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// AccountInput is a new account.
type AccountInput struct {
	// ID is the account id; empty means acct_ and a generated ULID.
	ID string
	// Name is the display name; surrounding spaces are dropped.
	Name string
}

// Validate reports what is wrong with the input, without the database.
func (in AccountInput) Validate() error {
	_, err := in.check()
	return err
}

// check validates the input and returns the trimmed name.
func (in AccountInput) check() (string, error) {
	name, problem := platform.CheckName(in.Name)
	if problem != "" {
		return "", invalid("name", "name %s", problem)
	}
	if in.ID != "" && !platform.ValidAccountID(in.ID) {
		return "", invalid("id", "id %q: must be %s followed by 1-64 letters, digits, '_' or '-'", in.ID, platform.PrefixAccount)
	}
	return name, nil
}

// CreateAccount creates an ACTIVE account.
func (o *Operator) CreateAccount(ctx context.Context, in AccountInput) (platform.Account, error) {
	name, err := in.check()
	if err != nil {
		return platform.Account{}, err
	}
	id := in.ID
	if id == "" {
		id = platform.NewID(platform.PrefixAccount)
	}
	a := platform.Account{ID: id, Name: name, Status: redcloud.StatusActive, CreatedAt: o.now()}
	if err := o.db.CreateAccount(ctx, a); err != nil {
		if errors.Is(err, platform.ErrConflict) {
			return platform.Account{}, conflict("", "account %s already exists", id)
		}
		return platform.Account{}, err
	}
	return a, o.record(ctx, ActionAccountCreate, a.ID, nil, map[string]string{"name": a.Name, "status": a.Status})
}

// AccountSummary is an account with how many API clients it has.
type AccountSummary struct {
	platform.Account
	APIClients int
}

// ListAccounts returns every account, ordered by id.
func (o *Operator) ListAccounts(ctx context.Context) ([]AccountSummary, error) {
	accounts, err := o.db.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	count, err := o.clientsPerAccount(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]AccountSummary, len(accounts))
	for i, a := range accounts {
		out[i] = AccountSummary{Account: a, APIClients: count[a.ID]}
	}
	return out, nil
}

func (o *Operator) clientsPerAccount(ctx context.Context) (map[string]int, error) {
	clients, err := o.db.ListAPIClients(ctx)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, c := range clients {
		count[c.AccountID]++
	}
	return count, nil
}

// getAccount returns an account, NOT_FOUND when unknown.
func (o *Operator) getAccount(ctx context.Context, id string) (platform.Account, error) {
	accounts, err := o.db.ListAccounts(ctx)
	if err != nil {
		return platform.Account{}, err
	}
	i := slices.IndexFunc(accounts, func(a platform.Account) bool { return a.ID == id })
	if i < 0 {
		return platform.Account{}, notFound("account %s not found", id)
	}
	return accounts[i], nil
}

// StatusChange is what a suspension or activation did: From == To when the
// status was already the one asked for.
type StatusChange struct {
	ID       string
	From, To string
}

// AccountStatusChange is an account's status change; APIClients is how many
// API clients the account has, all of them stopped by a suspension.
type AccountStatusChange struct {
	StatusChange
	APIClients int
}

// CheckStatus reports what is wrong with status, an account's, API client's
// or number's: ACTIVE or SUSPENDED in any case.
func CheckStatus(status string) error {
	_, err := parseStatus(status)
	return err
}

func parseStatus(status string) (string, error) {
	st, ok := platform.ParseEntityStatus(status)
	if !ok {
		return "", invalid("status", "status %q: a status is ACTIVE or SUSPENDED", status)
	}
	return st, nil
}

// SetAccountStatus suspends or activates an account. A suspended account's
// API clients can no longer get tokens or call the API.
func (o *Operator) SetAccountStatus(ctx context.Context, id, status string) (AccountStatusChange, error) {
	st, err := parseStatus(status)
	if err != nil {
		return AccountStatusChange{}, err
	}
	before, err := o.getAccount(ctx, id)
	if err != nil {
		return AccountStatusChange{}, err
	}
	if err := o.db.SetAccountStatus(ctx, id, st); err != nil {
		return AccountStatusChange{}, missing(err, "account %s not found", id)
	}
	count, err := o.clientsPerAccount(ctx)
	if err != nil {
		return AccountStatusChange{}, err
	}
	return AccountStatusChange{StatusChange{id, before.Status, st}, count[id]},
		o.record(ctx, ActionAccountStatus, id, map[string]string{"status": before.Status}, map[string]string{"status": st})
}
