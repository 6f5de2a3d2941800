package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// urlFlag is one client-level URL's pair of flags: set or clear.
type urlFlag struct {
	name, clearName string // "delivery-url", "clear-delivery"
	url             string
	clear           bool
}

// change reads the pair and returns the operator's argument: nil leaves the
// URL alone, a pointer to nil clears it.
func (f *urlFlag) change(cmd *cobra.Command) (**string, error) {
	set := cmd.Flags().Changed(f.name)
	switch {
	case set && f.clear:
		return nil, usagef("--%s and --%s conflict: give one of them", f.name, f.clearName)
	case f.clear:
		var none *string
		return &none, nil
	case !set:
		return nil, nil
	case f.url == "":
		return nil, usagef("--%s is empty; use --%s to remove the URL", f.name, f.clearName)
	}
	u := f.url
	p := &u
	return &p, nil
}

func (r *root) clientSetWebhooksCmd() *cobra.Command {
	delivery := &urlFlag{name: "delivery-url", clearName: "clear-delivery"}
	inbound := &urlFlag{name: "inbound-url", clearName: "clear-inbound"}
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
		Args: args("CLIENT_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			in := operator.WebhookInput{Sandbox: sandbox}
			var err error
			if in.DeliveryURL, err = delivery.change(cmd); err != nil {
				return err
			}
			if err := webhookURLError(in, sandbox); err != nil {
				return err
			}
			if in.InboundURL, err = inbound.change(cmd); err != nil {
				return err
			}
			if err := webhookURLError(in, sandbox); err != nil {
				return err
			}
			if in.DeliveryURL == nil && in.InboundURL == nil {
				return usagef("nothing to change: give --delivery-url, --clear-delivery, --inbound-url or --clear-inbound")
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				c, err := op.SetWebhooks(ctx, args[0], in)
				if err != nil {
					return err
				}
				tw := table(cmd.OutOrStdout())
				fmt.Fprintf(tw, "api client %s webhooks:\n", c.ID)
				fmt.Fprintf(tw, "  Delivery URL\t%s\n  Inbound URL\t%s\n", orNone(c.DeliveryURL), orNone(c.InboundURL))
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

// webhookURLError checks the URLs read so far, naming their flags, and
// says how to allow http:// when that is what was refused.
func webhookURLError(in operator.WebhookInput, sandbox bool) error {
	err := in.Validate()
	if err == nil {
		return nil
	}
	if e, ok := err.(*platform.Error); ok && !sandbox && strings.HasSuffix(e.Message, "must be an https URL") {
		err = &platform.Error{Code: e.Code, Message: e.Message + " (http is allowed only with --sandbox, for a sandbox server)", Details: e.Details}
	}
	return fail(err, flags{"deliveryUrl": "--delivery-url", "inboundUrl": "--inbound-url"})
}

func (r *root) clientRotateWebhookSecretCmd() *cobra.Command {
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
		Args: args("CLIENT_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				id := args[0]
				next, err := op.RotateWebhookSecret(ctx, id, replace)
				if err != nil {
					return advise(err, operator.ReasonWebhookSecretPending, func(*platform.Error) string {
						return fmt.Sprintf("; activate it with `redcloud admin client activate-webhook-secret %s`, or pass --replace to discard it and create another", id)
					})
				}
				notice := fmt.Sprintf(`The next webhook secret will not be shown again: store it now.
Deliveries are still signed with the current secret. Next steps:
  1. add the next secret to the receiver's verifier (it accepts several secrets);
  2. run `+"`redcloud admin client activate-webhook-secret %s`"+`: signing switches to it;
  3. remove the old secret from the receiver.`, id)
				return printOnce(cmd, asJSON, secretJSON{APIClientID: id, WebhookSecret: next},
					"Next webhook signing secret for API client "+id+".", [][2]string{{"webhook_secret_next", next}}, notice)
			})
		}),
	}
	cmd.Flags().BoolVar(&replace, "replace", false, "discard a next secret already waiting for activation")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the next secret as JSON (the notice goes to stderr)")
	return cmd
}

func (r *root) clientActivateWebhookSecretCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "activate-webhook-secret CLIENT_ID",
		Short: "Sign webhooks with the next secret from now on; the current one is dropped",
		Example: `  redcloud admin client rotate-webhook-secret rc_01j…   # first
  redcloud admin client activate-webhook-secret rc_01j…`,
		Args: args("CLIENT_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				id := args[0]
				if err := op.ActivateWebhookSecret(ctx, id); err != nil {
					return advise(err, operator.ReasonNoWebhookSecretPending, func(*platform.Error) string {
						return fmt.Sprintf("; create one with `redcloud admin client rotate-webhook-secret %s`", id)
					})
				}
				fmt.Fprintf(cmd.OutOrStdout(), "api client %s now signs webhooks with the next secret; "+
					"remove the old secret from the receiver once deliveries signed with it have been received\n", id)
				return nil
			})
		}),
	}
}

func (r *root) numberSetOverridesCmd() *cobra.Command {
	delivery := &urlFlag{name: "delivery-url", clearName: "clear-delivery"}
	inbound := &urlFlag{name: "inbound-url", clearName: "clear-inbound"}
	var sandbox bool
	cmd := &cobra.Command{
		Use:   "set-overrides NUMBER [--delivery-url URL | --clear-delivery] [--inbound-url URL | --clear-inbound]",
		Short: "Set or clear an assigned number's webhook URL overrides",
		Long: `Set or clear the webhook URLs that take precedence over the API client's for
this number's events, as the client's own PATCH /api/core/numbers/{numberId}
does; a flag not given leaves that override as it is. The URL rules are those
of set-webhooks. A number in the inventory has no overrides.`,
		Example: `  redcloud admin number set-overrides num_01j… --inbound-url https://hooks.example.com/redcloud/inbound-7
  redcloud admin number set-overrides +15125550100 --clear-delivery`,
		Args: args("NUMBER"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			in := operator.WebhookInput{Sandbox: sandbox}
			var err error
			if in.DeliveryURL, err = delivery.change(cmd); err != nil {
				return err
			}
			if in.InboundURL, err = inbound.change(cmd); err != nil {
				return err
			}
			if err := webhookURLError(in, sandbox); err != nil {
				return err
			}
			if in.DeliveryURL == nil && in.InboundURL == nil {
				return usagef("nothing to change: give --delivery-url, --clear-delivery, --inbound-url or --clear-inbound")
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				n, err := op.SetNumberOverrides(ctx, args[0], in)
				if err != nil {
					return err
				}
				tw := table(cmd.OutOrStdout())
				fmt.Fprintf(tw, "number %s (%s) webhook overrides:\n", n.ID, n.E164)
				fmt.Fprintf(tw, "  Delivery URL\t%s\n  Inbound URL\t%s\n", orNone(n.WebhookDeliveryOverride), orNone(n.WebhookInboundOverride))
				return tw.Flush()
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&delivery.url, delivery.name, "", "set the delivery (status) webhook URL override")
	f.BoolVar(&delivery.clear, delivery.clearName, false, "remove the delivery webhook URL override")
	f.StringVar(&inbound.url, inbound.name, "", "set the inbound message webhook URL override")
	f.BoolVar(&inbound.clear, inbound.clearName, false, "remove the inbound webhook URL override")
	f.BoolVar(&sandbox, "sandbox", false, "allow http:// URLs, as a sandbox server does (env REDCLOUD_SANDBOX)")
	return cmd
}
