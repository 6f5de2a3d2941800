package operator

import (
	"context"
	"errors"
	"slices"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// ClientInput is a new API client.
type ClientInput struct {
	// AccountID is the owning account (required).
	AccountID string
	// ID is the API client id; empty means rc_ and a generated ULID.
	ID string
	// Name is the display name whoami shows; surrounding spaces are dropped.
	Name string
	// Capabilities names at least one capability; blank names are skipped.
	Capabilities []string
}

// Validate reports what is wrong with the input, without the database.
func (in ClientInput) Validate() error {
	_, _, err := in.check()
	return err
}

// check validates the input and returns the trimmed name and the
// capabilities in display order.
func (in ClientInput) check() (string, []string, error) {
	if in.AccountID == "" {
		return "", nil, invalid("account", "account is required: the id of the account that owns the API client")
	}
	name, problem := platform.CheckName(in.Name)
	if problem != "" {
		return "", nil, invalid("name", "name %s", problem)
	}
	if in.ID != "" && !platform.ValidClientID(in.ID) {
		return "", nil, invalid("id", "id %q: an API client id is 3-64 characters of a-z, 0-9 and '_'", in.ID)
	}
	caps, problem := platform.ParseCapabilities(in.Capabilities)
	if problem != "" {
		return "", nil, invalid("capabilities", "capabilities: %s", problem)
	}
	return name, caps, nil
}

// NewClient is a created API client as stored, with its secrets. They are
// shown this once: the database keeps only a hash of the client secret
// (the webhook secret, in APIClient, signs deliveries).
type NewClient struct {
	platform.APIClient
	ClientSecret string
}

// CreateClient creates an ACTIVE API client with a new client secret and
// webhook signing secret. The client cannot authenticate while its account
// is suspended: check NewClient.AccountStatus.
func (o *Operator) CreateClient(ctx context.Context, in ClientInput) (NewClient, error) {
	name, caps, err := in.check()
	if err != nil {
		return NewClient{}, err
	}
	id := in.ID
	if id == "" {
		id = platform.NewID(platform.PrefixClient)
	}
	secret := platform.NewSecret(platform.PrefixClientSecret)
	c := platform.APIClient{
		ID: id, AccountID: in.AccountID, Name: name, Status: redcloud.StatusActive,
		SecretHash: platform.HashSecret(secret), Capabilities: caps,
		WebhookSecret: platform.NewSecret(platform.PrefixWebhookSecret), CreatedAt: o.now(),
	}
	switch err := o.db.CreateAPIClient(ctx, c); {
	case errors.Is(err, platform.ErrConflict):
		return NewClient{}, conflict("", "api client %s already exists", id)
	case errors.Is(err, platform.ErrNotFound):
		return NewClient{}, notFound("account %s not found", in.AccountID)
	case err != nil:
		return NewClient{}, err
	}
	stored, err := o.getClient(ctx, id)
	if err != nil {
		return NewClient{}, err
	}
	return NewClient{APIClient: stored, ClientSecret: secret}, o.record(ctx, ActionClientCreate, id, nil, map[string]any{
		"accountId": stored.AccountID, "name": stored.Name, "status": stored.Status, "capabilities": nonNilCaps(stored.Capabilities)})
}

// ClientSummary is an API client with the numbers assigned to it. The
// embedded APIClient holds secrets: show only what a list may show.
type ClientSummary struct {
	platform.APIClient
	Numbers redcloud.AssignedNumbers
}

// getClient returns an API client, NOT_FOUND when unknown.
func (o *Operator) getClient(ctx context.Context, id string) (platform.APIClient, error) {
	c, err := o.db.GetAPIClient(ctx, id)
	return c, missing(err, "api client %s not found", id)
}

// GetClient returns an API client with its numbers' counts.
func (o *Operator) GetClient(ctx context.Context, id string) (ClientSummary, error) {
	c, err := o.getClient(ctx, id)
	if err != nil {
		return ClientSummary{}, err
	}
	n, err := o.db.CountNumbers(ctx, c.ID)
	if err != nil {
		return ClientSummary{}, err
	}
	return ClientSummary{c, n}, nil
}

// ListClients returns the API clients of an account, or every API client
// when accountID is empty, ordered by id.
func (o *Operator) ListClients(ctx context.Context, accountID string) ([]ClientSummary, error) {
	clients, err := o.db.ListAPIClients(ctx)
	if err != nil {
		return nil, err
	}
	if accountID != "" {
		if _, err := o.getAccount(ctx, accountID); err != nil {
			return nil, err
		}
		clients = slices.DeleteFunc(clients, func(c platform.APIClient) bool { return c.AccountID != accountID })
	}
	out := make([]ClientSummary, 0, len(clients))
	for _, c := range clients {
		n, err := o.db.CountNumbers(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, ClientSummary{c, n})
	}
	return out, nil
}

// ClientStatusChange is an API client's status change, with its account's
// status: a client activated in a suspended account still cannot
// authenticate.
type ClientStatusChange struct {
	StatusChange
	AccountID, AccountStatus string
}

// SetClientStatus suspends or activates an API client. A suspended client's
// tokens and secret stop working until it is activated.
func (o *Operator) SetClientStatus(ctx context.Context, id, status string) (ClientStatusChange, error) {
	st, err := parseStatus(status)
	if err != nil {
		return ClientStatusChange{}, err
	}
	c, err := o.getClient(ctx, id)
	if err != nil {
		return ClientStatusChange{}, err
	}
	if err := o.db.SetAPIClientStatus(ctx, c.ID, st); err != nil {
		return ClientStatusChange{}, missing(err, "api client %s not found", c.ID)
	}
	return ClientStatusChange{StatusChange{c.ID, c.Status, st}, c.AccountID, c.AccountStatus},
		o.record(ctx, ActionClientStatus, c.ID, map[string]string{"status": c.Status}, map[string]string{"status": st})
}

// CheckCapabilities reports what is wrong with a list of capability names
// for SetCapabilities.
func CheckCapabilities(names []string) error {
	_, err := parseCapabilities(names)
	return err
}

func parseCapabilities(names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	caps, problem := platform.ParseCapabilities(names)
	if problem != "" {
		return nil, invalid("capabilities", "%s", problem)
	}
	return caps, nil
}

// CapabilityChange is an API client's capabilities before and after.
type CapabilityChange struct {
	ClientID string
	From, To []string
}

// SetCapabilities replaces an API client's capabilities with the ones named.
// An empty list removes them all (whoami still works); a list that names
// none, only blanks, is an error.
func (o *Operator) SetCapabilities(ctx context.Context, id string, names []string) (CapabilityChange, error) {
	caps, err := parseCapabilities(names)
	if err != nil {
		return CapabilityChange{}, err
	}
	c, err := o.getClient(ctx, id)
	if err != nil {
		return CapabilityChange{}, err
	}
	if err := o.db.SetCapabilities(ctx, c.ID, caps); err != nil {
		return CapabilityChange{}, missing(err, "api client %s not found", c.ID)
	}
	return CapabilityChange{c.ID, c.Capabilities, caps}, o.record(ctx, ActionClientCapabilities, c.ID,
		map[string]any{"capabilities": nonNilCaps(c.Capabilities)}, map[string]any{"capabilities": nonNilCaps(caps)})
}

func nonNilCaps(caps []string) []string {
	if caps == nil {
		return []string{}
	}
	return caps
}
