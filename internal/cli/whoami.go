package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
)

// whoAmICmd is `redcloud whoami`: the API client's identity and setup.
func whoAmICmd() *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show the API client behind the credentials: status, capabilities, numbers, webhooks",
		Long: `Show the API client the credentials belong to (GET /api/core/whoami): its id,
name and status, its capabilities, how many numbers it has, and whether its
delivery and inbound webhook URLs are configured. --json prints the wire body.`,
		Example: `  redcloud whoami
  RC_CLIENT_ID=rc_other_client_456 RC_CLIENT_SECRET=rc_other_secret_456 redcloud whoami --json`,
		Args: noArgs,
	}
	addFlags(cmd, o)
	cmd.RunE = wrap(o, func(cmd *cobra.Command, _ []string) error {
		c, err := o.client()
		if err != nil {
			return err
		}
		who, err := c.WhoAmI(cmd.Context())
		if err != nil {
			return o.fail("whoami", err, "")
		}
		if o.json {
			return printJSON(cmd.OutOrStdout(), who)
		}
		printWhoAmI(cmd.OutOrStdout(), who)
		return nil
	})
	return cmd
}

// printWhoAmI prints who for humans.
func printWhoAmI(w io.Writer, who *redcloud.WhoAmI) {
	color := colorFor(w)
	configured := func(b bool) string {
		if b {
			return "configured"
		}
		return "not configured"
	}
	t := table(w)
	fmt.Fprintf(t, "API client\t%s (%s)\n", who.APIClientID, who.APIClientName)
	fmt.Fprintf(t, "status\t%s\n", who.APIClientStatus)
	fmt.Fprintf(t, "capabilities\t%s\n", or(strings.Join(who.Capabilities, ", ")))
	n := who.AssignedNumbers
	fmt.Fprintf(t, "numbers\t%d assigned (%d SMS-enabled, %d MMS-enabled)\n", n.Total, n.SMSEnabledCount, n.MMSEnabledCount)
	fmt.Fprintf(t, "delivery webhook\t%s\n", configured(who.DeliveryWebhookConfigured))
	fmt.Fprintf(t, "inbound webhook\t%s\n", configured(who.InboundWebhookConfigured))
	t.Flush()
	if who.APIClientStatus != redcloud.StatusActive {
		fmt.Fprintln(w, paint(color, red, "the API client is not ACTIVE: its calls are refused until it is reactivated"))
	}
}
