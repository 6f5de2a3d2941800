package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

// tokenJSON is what `token --json` prints: the token route's wire fields,
// plus the expiry as a time.
type tokenJSON struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	ExpiresAt   string `json:"expiresAt,omitempty"`
}

// tokenCmd is `redcloud token`: fetch an access token and print it.
func tokenCmd() *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Get an OAuth access token for the API client and print it",
		Long: `Get an access token (POST /api/auth/token, client_credentials) and print it.

Getting a token is this command's purpose, so it prints the full token — on
stdout only, alone on its line, so that $(redcloud token) works; its expiry
goes to stderr. Treat the output as a secret. No other command ever prints a
token or the client secret. --json prints the token route's fields
(access_token, token_type, expires_in) and expiresAt.`,
		Example: `  redcloud token
  curl -H "Authorization: Bearer $(redcloud token)" http://127.0.0.1:8080/api/core/whoami
  RC_CLIENT_ID=rc_… RC_CLIENT_SECRET=… BASE_URL=https://api.example redcloud token --json`,
		Args: noArgs,
	}
	addFlags(cmd, o)
	cmd.RunE = wrap(o, func(cmd *cobra.Command, _ []string) error {
		c, err := o.client()
		if err != nil {
			return err
		}
		tok, err := c.Token(cmd.Context())
		if err != nil {
			return o.fail("token", err, "")
		}
		out := cmd.OutOrStdout()
		var in time.Duration
		if !tok.Expiry.IsZero() {
			in = time.Until(tok.Expiry).Round(time.Second)
		}
		if o.json {
			j := tokenJSON{AccessToken: tok.AccessToken, TokenType: tok.TokenType, ExpiresIn: int64(in / time.Second)}
			if !tok.Expiry.IsZero() {
				j.ExpiresAt = timeText(tok.Expiry)
			}
			return printJSON(out, j)
		}
		fmt.Fprintln(out, tok.AccessToken)
		if tok.Expiry.IsZero() {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s token for %s; the server gave no lifetime\n", tok.TokenType, o.id())
		} else {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s token for %s, expires %s (in %s)\n", tok.TokenType, o.id(), timeText(tok.Expiry), in)
		}
		return nil
	})
	return cmd
}
