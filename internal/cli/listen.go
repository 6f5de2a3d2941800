package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
)

// listenPath is the path of the URL listen registers; it answers POSTs
// on any path.
const listenPath = "/webhooks"

// listenHeader is the first line `listen --json` prints.
type listenHeader struct {
	Listening     string `json:"listening"`
	Registered    bool   `json:"registered"`
	BaseURL       string `json:"baseUrl,omitempty"`
	APIClientID   string `json:"apiClientId,omitempty"`
	SigningSecret string `json:"signingSecret,omitempty"`
	ForwardTo     string `json:"forwardTo,omitempty"`
}

// listenCmd is `redcloud listen`.
func listenCmd() *cobra.Command {
	o := &options{}
	var port int
	var forward, secret string
	var noRegister, keep bool
	cmd := &cobra.Command{
		Use:   "listen [--port N] [--forward-to URL]",
		Short: "Receive webhooks on this machine: verify, print and forward every event",
		Long: `Run a local webhook receiver on 127.0.0.1 and print one line per request.

Against a sandbox server (redcloud serve) it registers itself as the API
client's delivery and inbound URL (PUT /api/sandbox/webhooks) and learns the
signing secret from the answer; it prints that secret, so that the endpoint
you forward to can verify what it gets. Against any other server, register
the printed URL yourself (it must be reachable from the server) and pass the
secret with --secret or RC_WEBHOOK_SECRET, with --no-register.

Every request is verified with the webhook package (HMAC-SHA256 of
timestamp + "." + raw body, 300 s tolerance). A bad or missing signature is
flagged REJECTED and answered 401 (Red Cloud then retries). Verified events
are printed with the time received, type, messageId, sequence, status and
failure code, and flagged DUPLICATE (an eventId seen before) or OUT OF ORDER
(an event older than one already seen for its message,
webhook.SequenceTracker): Red Cloud delivers at least once and events
independently, so your receiver must cope with both.

With --forward-to, every verified request is passed on to your endpoint
with its raw body and headers (X-RedCloud-*, Content-Type, User-Agent), and
your endpoint's status is the answer Red Cloud gets: only a 2xx acknowledges
the event, so when your endpoint is down Red Cloud retries, as it would in
production (an unreachable endpoint is answered 502).

The first line is "listening on <URL>" (with --json, a JSON object with
"listening"); then one line per request (--json: one JSON object per line).
It runs until interrupted (Ctrl-C, SIGTERM), then clears the delivery and
inbound URLs it registered, so that later events are stored as NO_ENDPOINT
instead of failing against a closed port; --keep-registration leaves them.`,
		Example: `  redcloud listen
  redcloud listen --forward-to http://localhost:3000/webhooks/redcloud
  redcloud listen --port 0 --json
  RC_WEBHOOK_SECRET=whsec_… redcloud listen --no-register --port 9000`,
		Args: noArgs,
	}
	addFlags(cmd, o)
	f := cmd.Flags()
	f.IntVar(&port, "port", 8787, "port on 127.0.0.1; 0 picks a free one")
	f.StringVar(&forward, "forward-to", "", "pass every verified request on to this URL and answer with its status")
	f.StringVar(&secret, "secret", "", "webhook signing secret to verify with, besides the one the sandbox gives (env RC_WEBHOOK_SECRET)")
	f.BoolVar(&noRegister, "no-register", false, "do not register the URL with the server (then --secret is required)")
	f.BoolVar(&keep, "keep-registration", false, "leave the registered URLs in place on exit")
	cmd.RunE = wrap(o, func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		if port < 0 || port > 65535 {
			return usagef("--port %d: use 0-65535", port)
		}
		if forward != "" {
			u, err := url.Parse(forward)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return usagef("--forward-to %q: give an absolute http or https URL", forward)
			}
		}
		if secret == "" {
			secret = os.Getenv("RC_WEBHOOK_SECRET")
		}
		var secrets []string
		if secret != "" {
			secrets = append(secrets, secret)
		}
		if noRegister && len(secrets) == 0 {
			return usagef("--no-register needs --secret (or RC_WEBHOOK_SECRET): without a secret no signature can be verified")
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return exit(exitOther, "listen on 127.0.0.1:%d: %v (is another listener there? pick another --port, or 0)", port, err)
		}
		defer ln.Close()
		hookURL := "http://" + ln.Addr().String() + listenPath
		head := listenHeader{Listening: hookURL, ForwardTo: forward}
		var c *redcloud.Client
		if !noRegister {
			if c, err = o.client(); err != nil {
				return err
			}
			wh, err := c.SetSandboxWebhooks(ctx, redcloud.SandboxWebhooksUpdate{
				DeliveryURL: redcloud.SetTo(hookURL), InboundURL: redcloud.SetTo(hookURL)})
			switch {
			case err == nil:
				head.Registered, head.BaseURL, head.APIClientID, head.SigningSecret = true, o.base(), o.id(), wh.SigningSecret
				secrets = append(secrets, wh.SigningSecret)
			case redcloud.Classify(err) == redcloud.NotFound && len(secrets) > 0:
				fmt.Fprintf(cmd.ErrOrStderr(), "%s is not a sandbox server: register %s as the webhook URL yourself; verifying with --secret\n", o.base(), hookURL)
			case redcloud.Classify(err) == redcloud.NotFound:
				return usagef("%s is not a sandbox server (PUT /api/sandbox/webhooks answered 404), so listen can neither register "+
					"itself nor learn the signing secret: register %s as your webhook URL and run with --no-register --secret whsec_…", o.base(), hookURL)
			default:
				return o.fail("listen", err, "")
			}
		}
		l := newListener(cmd.OutOrStdout(), o.json, secrets, forward)
		srv := &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
		l.printHeader(head)
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err = <-errc:
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
			_ = srv.Shutdown(sctx)
			cancel()
			err = <-errc
		}
		if head.Registered && !keep {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_, cerr := c.SetSandboxWebhooks(cctx, redcloud.SandboxWebhooksUpdate{DeliveryURL: redcloud.Clear(), InboundURL: redcloud.Clear()})
			cancel()
			if cerr != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "could not clear the webhook URLs of %s: %v\n", o.id(), cerr)
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "cleared the delivery and inbound webhook URLs of %s\n", o.id())
			}
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return exit(exitOther, "listen: %v", err)
		}
		return nil
	})
	return cmd
}
