package operator

import (
	"context"
	"fmt"
	"net/url"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// WebhookInput changes an API client's client-level webhook URLs. A nil
// field leaves that URL as it is; a pointer to nil clears it.
type WebhookInput struct {
	DeliveryURL **string
	InboundURL  **string
	// Sandbox allows http:// URLs, as a sandbox server does.
	Sandbox bool
}

// Validate reports what is wrong with the input, without the database: a
// URL must be absolute https:// (http:// too with Sandbox), at most 2048
// characters, without credentials.
func (in WebhookInput) Validate() error {
	for _, f := range []struct {
		field string
		url   **string
	}{{"deliveryUrl", in.DeliveryURL}, {"inboundUrl", in.InboundURL}} {
		if f.url == nil || *f.url == nil {
			continue
		}
		if msg := platform.CheckWebhookURL(**f.url, in.Sandbox); msg != "" {
			return invalid(f.field, "%s %s: %s", f.field, redactURL(**f.url), msg)
		}
	}
	return nil
}

// redactURL quotes a URL for an error message, without its credentials.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return fmt.Sprintf("%q", s)
	}
	u.User = url.User("REDACTED")
	return fmt.Sprintf("%q", u.String())
}

// SetWebhooks sets or clears an API client's delivery (message status) and
// inbound webhook URLs and returns the client as it is now. Number overrides
// take precedence over these URLs.
func (o *Operator) SetWebhooks(ctx context.Context, id string, in WebhookInput) (platform.APIClient, error) {
	if err := in.Validate(); err != nil {
		return platform.APIClient{}, err
	}
	c, err := o.getClient(ctx, id)
	if err != nil {
		return platform.APIClient{}, err
	}
	if in.DeliveryURL == nil && in.InboundURL == nil {
		return c, nil
	}
	if err := o.db.SetWebhookURLs(ctx, c.ID, in.DeliveryURL, in.InboundURL); err != nil {
		return platform.APIClient{}, missing(err, "api client %s not found", c.ID)
	}
	after, err := o.getClient(ctx, c.ID)
	if err != nil {
		return platform.APIClient{}, err
	}
	return after, o.record(ctx, ActionClientWebhooks, c.ID, webhookState(c), webhookState(after))
}

// webhookState is an API client's webhook URLs for the audit log.
func webhookState(c platform.APIClient) map[string]*string {
	return map[string]*string{"deliveryUrl": c.DeliveryURL, "inboundUrl": c.InboundURL}
}
