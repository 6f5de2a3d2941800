package main

import (
	"context"
	"fmt"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// adminURLFlag is one client-level URL's pair of flags: set or clear.
type adminURLFlag struct {
	name, clearName string // "delivery-url", "clear-delivery"
	url             string
	clear           bool
}

// change validates the pair and returns the store's argument: nil leaves
// the URL alone, a pointer to nil clears it.
func (f *adminURLFlag) change(cmd *cobra.Command, sandbox bool) (**string, error) {
	set := cmd.Flags().Changed(f.name)
	switch {
	case set && f.clear:
		return nil, adminUsagef("--%s and --%s conflict: give one of them", f.name, f.clearName)
	case f.clear:
		var none *string
		return &none, nil
	case !set:
		return nil, nil
	case f.url == "":
		return nil, adminUsagef("--%s is empty; use --%s to remove the URL", f.name, f.clearName)
	}
	if msg := platform.CheckWebhookURL(f.url, sandbox); msg != "" {
		if !sandbox && msg == "must be an https URL" {
			msg += " (http is allowed only with --sandbox, for a sandbox server)"
		}
		return nil, adminUsagef("--%s %s: %s", f.name, adminRedactURL(f.url), msg)
	}
	u := f.url
	p := &u
	return &p, nil
}

// adminRedactURL drops the credentials of a URL before it is echoed in an error.
func adminRedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return fmt.Sprintf("%q", s)
	}
	u.User = url.User("REDACTED")
	return fmt.Sprintf("%q", u.String())
}

func (a *admin) clientSetWebhooksCmd() *cobra.Command {
	delivery := &adminURLFlag{name: "delivery-url", clearName: "clear-delivery"}
	inbound := &adminURLFlag{name: "inbound-url", clearName: "clear-inbound"}
	var sandbox bool
	cmd := &cobra.Command{
		Use:   "set-webhooks CLIENT_ID [--delivery-url URL | --clear-delivery] [--inbound-url URL | --clear-inbound]",
		Short: "Set or clear an API client's client-level webhook URLs",
		Long: `Set or clear the API client's delivery (message status) and inbound webhook
URLs; a flag not given leaves that URL as it is. URLs must be absolute https://
URLs of at most 2048 characters without credentials. --sandbox (for a sandbox
server) also allows http://.`,
		Example: `  redcloud admin client set-webhooks rc_01j… --delivery-url https://hooks.example.com/redcloud/delivery
  redcloud admin client set-webhooks rc_01j… --inbound-url https://hooks.example.com/redcloud/inbound --clear-delivery
  redcloud admin client set-webhooks rc_test_client_123 --sandbox --delivery-url http://127.0.0.1:9000/hooks`,
		Args: adminArgs("CLIENT_ID"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			d, err := delivery.change(cmd, sandbox)
			if err != nil {
				return err
			}
			in, err := inbound.change(cmd, sandbox)
			if err != nil {
				return err
			}
			if d == nil && in == nil {
				return adminUsagef("nothing to change: give --delivery-url, --clear-delivery, --inbound-url or --clear-inbound")
			}
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				c, err := adminGetClient(ctx, db, args[0])
				if err != nil {
					return err
				}
				if err := db.SetWebhookURLs(ctx, c.ID, d, in); err != nil {
					return adminNotFound(err, "api client "+c.ID)
				}
				if c, err = adminGetClient(ctx, db, c.ID); err != nil {
					return err
				}
				tw := adminTable(cmd.OutOrStdout())
				fmt.Fprintf(tw, "api client %s webhooks:\n", c.ID)
				fmt.Fprintf(tw, "  Delivery URL\t%s\n  Inbound URL\t%s\n", adminOrNone(c.DeliveryURL), adminOrNone(c.InboundURL))
				return tw.Flush()
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&delivery.url, delivery.name, "", "set the delivery (status) webhook URL")
	f.BoolVar(&delivery.clear, delivery.clearName, false, "remove the delivery webhook URL")
	f.StringVar(&inbound.url, inbound.name, "", "set the inbound message webhook URL")
	f.BoolVar(&inbound.clear, inbound.clearName, false, "remove the inbound webhook URL")
	f.BoolVar(&sandbox, "sandbox", false, "allow http:// URLs, as a sandbox server does (env REDCLOUD_SANDBOX)")
	return cmd
}

func (a *admin) clientRotateWebhookSecretCmd() *cobra.Command {
	var replace, asJSON bool
	cmd := &cobra.Command{
		Use:   "rotate-webhook-secret CLIENT_ID",
		Short: "Create the next webhook signing secret; signing switches only on activation",
		Long: `Create the API client's next webhook signing secret and print it once. The
platform keeps signing with the current secret until activate-webhook-secret,
so the receiver can first add the next secret to the secrets it accepts.
A next secret already waiting is kept unless --replace discards it.`,
		Example: `  redcloud admin client rotate-webhook-secret rc_01j…
  redcloud admin client rotate-webhook-secret rc_01j… --replace --json`,
		Args: adminArgs("CLIENT_ID"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				c, err := adminGetClient(ctx, db, args[0])
				if err != nil {
					return err
				}
				if c.WebhookSecretNext != nil && !replace {
					return fmt.Errorf("api client %s already has a next webhook secret waiting for activation; "+
						"activate it with `redcloud admin client activate-webhook-secret %s`, or pass --replace to discard it and create another", c.ID, c.ID)
				}
				next := platform.NewSecret(platform.PrefixWebhookSecret)
				if err := db.SetNextWebhookSecret(ctx, c.ID, next); err != nil {
					return adminNotFound(err, "api client "+c.ID)
				}
				notice := fmt.Sprintf(`The next webhook secret will not be shown again: store it now.
Deliveries are still signed with the current secret. Next steps:
  1. add the next secret to the receiver's verifier (it accepts several secrets);
  2. run `+"`redcloud admin client activate-webhook-secret %s`"+`: signing switches to it;
  3. remove the old secret from the receiver.`, c.ID)
				return adminPrintOnce(cmd, asJSON, adminSecretJSON{APIClientID: c.ID, WebhookSecret: next},
					"Next webhook signing secret for API client "+c.ID+".", [][2]string{{"webhook_secret_next", next}}, notice)
			})
		}),
	}
	cmd.Flags().BoolVar(&replace, "replace", false, "discard a next secret already waiting for activation")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the next secret as JSON (the notice goes to stderr)")
	return cmd
}

func (a *admin) clientActivateWebhookSecretCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "activate-webhook-secret CLIENT_ID",
		Short: "Sign webhooks with the next secret from now on; the current one is dropped",
		Example: `  redcloud admin client rotate-webhook-secret rc_01j…   # first
  redcloud admin client activate-webhook-secret rc_01j…`,
		Args: adminArgs("CLIENT_ID"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				c, err := adminGetClient(ctx, db, args[0])
				if err != nil {
					return err
				}
				if c.WebhookSecretNext == nil {
					return fmt.Errorf("api client %s has no next webhook secret to activate; create one with `redcloud admin client rotate-webhook-secret %s`", c.ID, c.ID)
				}
				if err := db.ActivateNextWebhookSecret(ctx, c.ID); err != nil {
					return adminNotFound(err, "api client "+c.ID+" with a next webhook secret")
				}
				fmt.Fprintf(cmd.OutOrStdout(), "api client %s now signs webhooks with the next secret; "+
					"remove the old secret from the receiver once deliveries signed with it have been received\n", c.ID)
				return nil
			})
		}),
	}
}
