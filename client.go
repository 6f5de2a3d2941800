package redcloud

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls the Red Cloud CORE API with the error-handling playbook
// built in: typed errors, classification, token caching and refresh,
// bounded retries with backoff, idempotent sends and escalation packages.
// It is safe for concurrent use; create one per API client and share it.
type Client struct {
	base         string
	clientID     string
	clientSecret string
	hc           *http.Client
	retry        RetryPolicy
	log          *slog.Logger
	userAgent    string
	now          func() time.Time
	tokens       *tokenSource
	keys         *keyGuard
	budget       *budget
}

// NewClient returns a Client for cfg with its defaults filled in. It
// returns a *ValidationError when ClientID or ClientSecret is missing or
// BaseURL is not an absolute http or https URL without credentials, query or
// fragment. It makes no request: the first call fetches the token.
func NewClient(cfg Config) (*Client, error) {
	if cfg.ClientID == "" {
		return nil, &ValidationError{Field: "Config.ClientID", Message: "is required"}
	}
	if cfg.ClientSecret == "" {
		return nil, &ValidationError{Field: "Config.ClientSecret", Message: "is required"}
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	switch {
	case err != nil:
		return nil, &ValidationError{Field: "Config.BaseURL", Message: "is not a URL"}
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return nil, &ValidationError{Field: "Config.BaseURL", Message: "must be an absolute http or https URL"}
	case u.User != nil:
		return nil, &ValidationError{Field: "Config.BaseURL", Message: "must not hold credentials; use ClientID and ClientSecret"}
	case u.RawQuery != "" || u.Fragment != "":
		return nil, &ValidationError{Field: "Config.BaseURL", Message: "must not have a query or fragment"}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "redcloud-go/1"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.KeyGuardSize == 0 {
		cfg.KeyGuardSize = 10000
	}
	if cfg.KeyGuardTTL <= 0 {
		cfg.KeyGuardTTL = 24 * time.Hour
	}
	retry := cfg.Retry.withDefaults()
	c := &Client{
		base:         strings.TrimRight(u.String(), "/"),
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		hc:           hc,
		retry:        retry,
		log:          cfg.Logger,
		userAgent:    cfg.UserAgent,
		now:          cfg.Now,
		keys:         newKeyGuard(cfg.KeyGuardSize, cfg.KeyGuardTTL, cfg.Now),
		budget:       newBudget(retry),
	}
	c.tokens = &tokenSource{c: c}
	if c.log != nil && PlainHTTPToRemote(c.base) {
		c.log.Warn("redcloud: BaseURL is plain http:// to a host that is not loopback; the client secret and tokens cross the network unencrypted: use https://",
			"baseUrl", c.base)
	}
	return c, nil
}

// Token returns the cached access token, fetching one first if there is
// none or it is within RefreshMargin of its expiry. Concurrent callers share
// one fetch. A token route 5xx is retried under the retry policy;
// invalid_client is not retried. Other calls use it on their own; Token is
// for callers that need the bearer token itself.
func (c *Client) Token(ctx context.Context) (Token, error) {
	return c.tokens.get(ctx)
}

// WhoAmI returns the calling API client's identity, capabilities and
// configuration (GET /api/core/whoami).
func (c *Client) WhoAmI(ctx context.Context) (*WhoAmI, error) {
	var out WhoAmI
	if _, _, err := c.do(ctx, &call{method: http.MethodGet, endpoint: PathWhoAmI}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Numbers returns the numbers assigned to the calling API client, ordered
// by numberId (GET /api/core/numbers).
func (c *Client) Numbers(ctx context.Context) ([]Number, error) {
	var out NumberList
	if _, _, err := c.do(ctx, &call{method: http.MethodGet, endpoint: PathNumbers}, &out); err != nil {
		return nil, err
	}
	if out.Numbers == nil {
		out.Numbers = []Number{}
	}
	return out.Numbers, nil
}

// SearchNumbers searches the inventory of unassigned numbers
// (POST /api/core/numbers/search).
func (c *Client) SearchNumbers(ctx context.Context, s NumberSearch) (*NumberSearchResult, error) {
	body, err := marshal(s)
	if err != nil {
		return nil, err
	}
	var out NumberSearchResult
	cl := &call{method: http.MethodPost, endpoint: PathNumbersSearch, body: body, ctype: "application/json"}
	if _, _, err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateNumber changes the Set fields of u on one of the caller's numbers
// and returns the updated number (PATCH /api/core/numbers/{numberId}).
func (c *Client) UpdateNumber(ctx context.Context, numberID string, u NumberUpdate) (*Number, error) {
	if numberID == "" {
		return nil, &ValidationError{Field: "numberId", Message: "is required"}
	}
	body, err := marshal(u)
	if err != nil {
		return nil, err
	}
	var out Number
	cl := &call{method: http.MethodPatch, endpoint: pathWith(PathNumber, numberID), body: body, ctype: "application/json"}
	if _, _, err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Message returns a message the caller sent or received, with its lifecycle
// events so far (GET /api/core/messages/{messageId}).
func (c *Client) Message(ctx context.Context, messageID string) (*Message, error) {
	if messageID == "" {
		return nil, &ValidationError{Field: "messageId", Message: "is required"}
	}
	var out Message
	cl := &call{method: http.MethodGet, endpoint: pathWith(PathMessage, messageID), msgID: messageID}
	if _, _, err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// IdempotencyKey returns what the server remembers of a send under key
// (GET /api/core/idempotency-keys/{key}): the stored 202 response, whose
// SendResponse method decodes it. Use it to reconcile after an ambiguous
// failure (see ErrOutcomeUnknown). An *APIError with NotFound means no send
// under the key was accepted (or it was forgotten, 24 h after acceptance).
func (c *Client) IdempotencyKey(ctx context.Context, key string) (*IdempotencyRecord, error) {
	if key == "" {
		return nil, &ValidationError{Field: "key", Message: "is required"}
	}
	var out IdempotencyRecord
	cl := &call{method: http.MethodGet, endpoint: pathWith(PathIdempotencyKey, key), logKey: key}
	if _, _, err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
