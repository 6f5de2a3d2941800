package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
)

// Results of a doctor check or drill.
const (
	pass = "pass"
	warn = "warn"
	fail = "fail"
	skip = "skip"
)

// check is one line of the doctor's checklist.
type check struct {
	Name   string   `json:"name"`
	Result string   `json:"result"` // pass, warn, fail or skip
	Detail string   `json:"detail"`
	Fix    string   `json:"fix,omitempty"`
	Error  *reading `json:"error,omitempty"` // the playbook's reading, when an API call failed
}

// doctorJSON is what `doctor --json` prints.
type doctorJSON struct {
	OK       bool       `json:"ok"`
	BaseURL  string     `json:"baseUrl"`
	ClientID string     `json:"clientId"`
	NumberID string     `json:"numberId"`
	Checks   []check    `json:"checks"`
	Drills   *drillsRun `json:"drills,omitempty"`
}

// doctor walks the integration path and collects the checklist.
type doctor struct {
	o       *options
	c       *redcloud.Client
	out     io.Writer // the checklist
	errw    io.Writer // progress of long steps
	color   bool
	sendTo  string
	timeout time.Duration
	checks  []check
}

// doctorCmd is `redcloud doctor`.
func doctorCmd() *cobra.Command {
	o := &options{}
	var sendTo string
	var drills bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "doctor [--send-to E164] [--drills]",
		Short: "Check the integration path step by step, and run the failure drills",
		Long: `Walk the documentation's integration path against BASE_URL and print a
checklist, each line PASS, WARN, FAIL or SKIP, with the fix for what is not
right:

  config    the base URL, client id, secret and number in use, and where each
            came from (flag, variable or default; never the secret itself)
  token     an access token can be obtained (a failure is explained: for
            invalid_client, check RC_CLIENT_SECRET and RC_CLIENT_ID)
  whoami    the API client is ACTIVE and has the capabilities to send
  webhooks  delivery and inbound webhook URLs are configured (WARN if not)
  number    RC_NUMBER_ID is the client's, ACTIVE, has a campaignRegId and can
            send SMS (and MMS, else WARN)
  send      with --send-to: a test SMS is accepted
  delivery  with --send-to: the message reaches a terminal state within
            --timeout (progress on stderr), DELIVERED passes
  server    GET /readyz: WARN when the server reports sending degraded (a
            carrier link not bound, numbers without a provider route)

--drills (sandbox only) then runs the production-readiness failure paths —
invalid credentials, expired token, invalid sendFrom, missing
Idempotency-Key, webhook signature failure, endpoint temporarily down and an
answer lost after the commit — injecting the sandbox's faults
(X-RedCloud-Sandbox-Fault) and showing for each what the client saw (shape,
category, status, requestId) and what it did (refresh, retries, same key).
Against a server that is not a sandbox, the drills are refused (exit code 2).
The invalid-credentials drill is one failed authentication, which the
server's throttle counts (10 a minute per client id and address).

Exit code 0 when nothing failed; otherwise the code of the first failure's
category when an API call failed (3 for refused credentials, …), else 1.
--json prints {"ok", "checks": [...], "drills": {...}}.`,
		Example: `  redcloud doctor
  redcloud doctor --send-to +15551234567
  redcloud doctor --drills --send-to +15551234567
  BASE_URL=https://api.example RC_CLIENT_ID=rc_… RC_CLIENT_SECRET=… RC_NUMBER_ID=num_… redcloud doctor --json`,
		Args: noArgs,
	}
	addFlags(cmd, o)
	f := cmd.Flags()
	f.StringVar(&sendTo, "send-to", "", "also send a test SMS to this E.164 number and wait for its outcome")
	f.BoolVar(&drills, "drills", false, "then run the failure drills (sandbox only)")
	f.DurationVar(&timeout, "timeout", 60*time.Second, "how long to wait for the test message to reach a terminal state")
	cmd.RunE = wrap(o, func(cmd *cobra.Command, _ []string) error {
		if timeout <= 0 {
			return usagef("--timeout %v: give a positive duration", timeout)
		}
		c, err := o.client()
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		d := &doctor{o: o, c: c, out: out, errw: cmd.ErrOrStderr(), color: colorFor(out), sendTo: sendTo, timeout: timeout}
		if !o.json {
			fmt.Fprintf(out, "redcloud doctor: %s as %s, sending from %s\n", o.base(), o.id(), o.number())
		}
		tokenOK := d.run(cmd.Context())
		var run *drillsRun
		if drills {
			run = newDrills(o, d.out, d.color, sendTo).run(cmd.Context(), tokenOK)
		}
		failed, warned := 0, 0
		for _, ch := range d.checks {
			switch ch.Result {
			case fail:
				failed++
			case warn:
				warned++
			}
		}
		ok := failed == 0 && (run == nil || run.OK)
		if o.json {
			if err := printJSON(out, doctorJSON{OK: ok, BaseURL: o.base(), ClientID: o.id(), NumberID: o.number(),
				Checks: d.checks, Drills: run}); err != nil {
				return err
			}
		} else {
			summary := fmt.Sprintf("doctor: %d failed, %d warning%s", failed, warned, plural(warned))
			switch {
			case failed > 0:
				summary = paint(d.color, red, summary+" — fix the FAIL lines above")
			case warned > 0:
				summary = paint(d.color, yellow, summary+" — ready to send; see the WARN lines")
			default:
				summary = paint(d.color, green, summary+" — ready to send")
			}
			fmt.Fprintln(out, summary)
		}
		switch {
		case failed > 0:
			return exit(d.exitCode(), "doctor: %d check%s failed", failed, plural(failed))
		case run != nil && run.Refused:
			return exit(exitRequestDefect, "doctor --drills: %s is not a sandbox server; drills run only against one", o.base())
		case run != nil && !run.OK:
			return exit(exitOther, "doctor --drills: %d drill%s failed", run.Failed, plural(run.Failed))
		}
		return nil
	})
	return cmd
}

// exitCode is the code of the first failed check: its error's category, or
// 1 for a check that failed without an API error.
func (d *doctor) exitCode() int {
	for _, ch := range d.checks {
		if ch.Result == fail {
			if ch.Error != nil {
				return ch.Error.ExitCode
			}
			return exitOther
		}
	}
	return exitOK
}

// add records a check and prints its line.
func (d *doctor) add(ch check) {
	d.checks = append(d.checks, ch)
	if !d.o.json {
		printResult(d.out, d.color, ch.Result, ch.Name, ch.Detail, ch.Fix)
	}
}

// fail records a failed API call as a check, with the playbook's reading.
func (d *doctor) fail(name, what string, err error, fix string) {
	r, _ := d.o.read(name, err, "")
	if fix == "" {
		fix = r.Fix
	}
	detail := fmt.Sprintf("%s: %s", what, r.Explanation)
	if r.RequestID != "" {
		detail += " [requestId " + r.RequestID + "]"
	}
	d.add(check{Name: name, Result: fail, Detail: detail, Fix: fix, Error: r})
}

// printResult prints one PASS/WARN/FAIL/SKIP line and its fix.
func printResult(w io.Writer, color bool, result, name, detail, fix string) {
	label := strings.ToUpper(result)
	fmt.Fprintf(w, "%s  %-9s %s\n", paint(color, statusColor(label), fmt.Sprintf("%-4s", label)), name, detail)
	if fix != "" {
		fmt.Fprintf(w, "      %-9s %s\n", "fix:", fix)
	}
}

// run walks the checklist; it reports whether a token could be obtained.
func (d *doctor) run(ctx context.Context) bool {
	o := d.o
	src := func(flag string) string { return o.setting(flag).source }
	d.add(check{Name: "config", Result: pass, Detail: fmt.Sprintf("base URL %s (%s); client %s (%s); secret set (%s); number %s (%s)",
		o.base(), src("base-url"), o.id(), src("client-id"), src("client-secret"), o.number(), src("number-id"))})

	tok, err := d.c.Token(ctx)
	if err != nil {
		d.fail("token", "no access token", err, "")
		for _, name := range []string{"whoami", "webhooks", "number", "send", "delivery"} {
			d.add(check{Name: name, Result: skip, Detail: "skipped: no token"})
		}
		d.checkServer(ctx)
		return false
	}
	exp := "no lifetime given"
	if !tok.Expiry.IsZero() {
		exp = "expires in " + time.Until(tok.Expiry).Round(time.Second).String()
	}
	d.add(check{Name: "token", Result: pass, Detail: "obtained a " + tok.TokenType + " token, " + exp})

	canSend := d.checkWhoAmI(ctx)
	numberOK := d.checkNumber(ctx)
	switch {
	case d.sendTo == "":
		d.add(check{Name: "send", Result: skip, Detail: "no test message: pass --send-to E164 (for example +15551234567) to send one"})
		d.add(check{Name: "delivery", Result: skip, Detail: "nothing sent"})
	case !canSend || !numberOK:
		d.add(check{Name: "send", Result: skip, Detail: "skipped: fix the failures above first"})
		d.add(check{Name: "delivery", Result: skip, Detail: "nothing sent"})
	default:
		if id := d.checkSend(ctx); id != "" {
			d.checkDelivery(ctx, id)
		} else {
			d.add(check{Name: "delivery", Result: skip, Detail: "nothing sent"})
		}
	}
	d.checkServer(ctx)
	return true
}

// checkServer reads the server's GET /readyz: "degraded" (it serves, but
// sending is impaired: a carrier link down, numbers without a route) is a
// WARN with the server's reasons; the fix is the operator's.
func (d *doctor) checkServer(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	const what = "GET " + redcloud.PathReadyz
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(d.o.base(), "/")+redcloud.PathReadyz, nil)
	if err != nil {
		d.add(check{Name: "server", Result: skip, Detail: what + ": " + err.Error()})
		return
	}
	res, err := httpClient(nil).Do(req)
	if err != nil {
		d.add(check{Name: "server", Result: warn, Detail: what + " failed: " + err.Error()})
		return
	}
	defer res.Body.Close()
	var rd redcloud.Readiness
	err = json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&rd)
	switch {
	case res.StatusCode != http.StatusOK || err != nil:
		d.add(check{Name: "server", Result: warn, Detail: fmt.Sprintf("%s answered %d: the server is not ready", what, res.StatusCode)})
	case rd.Status == redcloud.ReadinessDegraded:
		d.add(check{Name: "server", Result: warn, Detail: "the server reports sending degraded: " + strings.Join(rd.Problems, "; "),
			Fix: "messages may wait or fail until the server's operator fixes this (`redcloud admin provider list`)"})
	default:
		d.add(check{Name: "server", Result: pass, Detail: "the server is ready (" + what + ")"})
	}
}

// checkWhoAmI checks the API client and its webhooks; it reports whether
// the client may send.
func (d *doctor) checkWhoAmI(ctx context.Context) bool {
	who, err := d.c.WhoAmI(ctx)
	if err != nil {
		d.fail("whoami", "GET /api/core/whoami failed", err, "")
		d.add(check{Name: "webhooks", Result: skip, Detail: "skipped: whoami failed"})
		return false
	}
	name := fmt.Sprintf("%s (%s)", who.APIClientName, who.APIClientID)
	canSend := slices.Contains(who.Capabilities, redcloud.CapMessagesSend)
	var missing []string
	for _, c := range []string{redcloud.CapMessagesSend, redcloud.CapNumbersRead} {
		if !slices.Contains(who.Capabilities, c) {
			missing = append(missing, c)
		}
	}
	switch {
	case who.APIClientStatus != redcloud.StatusActive:
		d.add(check{Name: "whoami", Result: fail, Detail: name + " is " + who.APIClientStatus + ", not ACTIVE: its calls are refused",
			Fix: "ask the account owner or support to reactivate the API client"})
		canSend = false
	case !canSend:
		d.add(check{Name: "whoami", Result: fail, Detail: name + " is ACTIVE but lacks " + strings.Join(missing, ", "),
			Fix: "ask the account owner to grant the capability messages:send"})
	case len(missing) > 0:
		d.add(check{Name: "whoami", Result: warn, Detail: name + " is ACTIVE but lacks " + strings.Join(missing, ", "),
			Fix: "without numbers:read the number cannot be checked; ask the account owner to grant it"})
	default:
		d.add(check{Name: "whoami", Result: pass, Detail: fmt.Sprintf("%s is ACTIVE; %d number%s; capabilities %s",
			name, who.AssignedNumbers.Total, plural(who.AssignedNumbers.Total), strings.Join(who.Capabilities, ", "))})
	}
	var unset []string
	if !who.DeliveryWebhookConfigured {
		unset = append(unset, "delivery")
	}
	if !who.InboundWebhookConfigured {
		unset = append(unset, "inbound")
	}
	if len(unset) == 0 {
		d.add(check{Name: "webhooks", Result: pass, Detail: "delivery and inbound webhook URLs are configured"})
	} else {
		d.add(check{Name: "webhooks", Result: warn,
			Detail: "no " + strings.Join(unset, " or ") + " webhook URL: those events are stored but not delivered (unless a number overrides it)",
			Fix:    "run `redcloud listen` against the sandbox (it registers itself), or set the URLs in the portal"})
	}
	return canSend
}

// checkNumber checks the number sends use; it reports whether it can send.
func (d *doctor) checkNumber(ctx context.Context) bool {
	id := d.o.number()
	nums, err := d.c.Numbers(ctx)
	if err != nil {
		d.fail("number", "GET /api/core/numbers failed", err, "")
		return false
	}
	i := slices.IndexFunc(nums, func(n redcloud.Number) bool { return n.NumberID == id })
	if i < 0 {
		ids := make([]string, len(nums))
		for j, n := range nums {
			ids[j] = n.NumberID
		}
		fix := "this API client has no numbers: ask the account owner to assign one"
		if len(ids) > 0 {
			fix = "set RC_NUMBER_ID (or --number-id) to one of: " + strings.Join(ids, ", ")
		}
		d.add(check{Name: "number", Result: fail, Detail: id + " is not one of " + d.o.id() + "'s numbers (sends from it are refused 403)", Fix: fix})
		return false
	}
	n := nums[i]
	var fails, fixes, warns []string
	if n.Status != redcloud.StatusActive {
		fails = append(fails, "is "+n.Status+", not ACTIVE")
		fixes = append(fixes, "ask support to reactivate the number, or pick another (`redcloud numbers`)")
	}
	if n.CampaignRegID == nil || *n.CampaignRegID == "" {
		fails = append(fails, "has no campaignRegId (sends are refused: sendFrom must have campaignregId configured)")
		fixes = append(fixes, fmt.Sprintf("redcloud numbers update %s --campaign <campaignRegId>", n.NumberID))
	}
	if !n.SMSEnabled {
		fails = append(fails, "is not enabled for SMS")
		fixes = append(fixes, "pick an SMS-enabled number (`redcloud numbers`) or ask support to enable SMS")
	}
	if !n.MMSEnabled {
		warns = append(warns, "is not enabled for MMS (MMS sends from it are refused)")
	}
	label := fmt.Sprintf("%s (%s)", n.NumberID, n.E164)
	switch {
	case len(fails) > 0:
		d.add(check{Name: "number", Result: fail, Detail: label + " " + strings.Join(append(fails, warns...), "; "), Fix: strings.Join(fixes, "; ")})
		return false
	case len(warns) > 0:
		d.add(check{Name: "number", Result: warn, Detail: label + " is ACTIVE, campaignRegId " + *n.CampaignRegID + ", SMS enabled, but " + strings.Join(warns, "; "),
			Fix: "use another number for MMS, or ask support to enable it"})
	default:
		d.add(check{Name: "number", Result: pass, Detail: label + " is ACTIVE, campaignRegId " + *n.CampaignRegID + ", SMS and MMS enabled"})
	}
	return true
}

// checkSend sends the test message; it returns its messageId, or "".
func (d *doctor) checkSend(ctx context.Context) string {
	key := redcloud.NewIdempotencyKey()
	res, err := d.c.Send(ctx, redcloud.SendRequest{SendFrom: d.o.number(), To: []string{d.sendTo}, MessageType: redcloud.MessageTypeSMS,
		Text: "Red Cloud doctor test message", ExternalReference: "redcloud-doctor"}, redcloud.WithIdempotencyKey(key))
	if err != nil {
		d.fail("send", "the test send failed", err, "")
		return ""
	}
	if len(res.Results) == 0 {
		e := res.Errors[0]
		d.add(check{Name: "send", Result: fail, Detail: fmt.Sprintf("recipient %s rejected: %s %s", e.To, e.Code, e.Message),
			Fix: "--send-to takes an E.164 number such as +15551234567"})
		return ""
	}
	id := res.Results[0].MessageID
	d.add(check{Name: "send", Result: pass, Detail: fmt.Sprintf("accepted %s to %s (idempotency key %s, requestId %s)", id, d.sendTo, key, res.RequestID)})
	return id
}

// checkDelivery polls the message until it is terminal or the timeout
// passes, showing its progress on stderr.
func (d *doctor) checkDelivery(ctx context.Context, id string) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	var path []string
	last, lastNote := "", start
	for {
		m, err := d.c.Message(ctx, id)
		if err != nil && ctx.Err() == nil {
			d.fail("delivery", "reading "+id+" failed", err, "")
			return
		}
		if err == nil && m.Status != last {
			last = m.Status
			path = append(path, m.Status)
			fmt.Fprintf(d.errw, "  … %s is %s (%s)\n", id, m.Status, duration(time.Since(start)))
		}
		if err == nil {
			switch m.Status {
			case redcloud.MessageDelivered:
				d.add(check{Name: "delivery", Result: pass, Detail: fmt.Sprintf("%s DELIVERED in %s (%s)", id, duration(time.Since(start)), strings.Join(path, " → "))})
				return
			case redcloud.MessageFailed:
				code, msg := "", ""
				if m.Failure != nil {
					code, msg = m.Failure.Code, m.Failure.Message
				}
				d.add(check{Name: "delivery", Result: fail, Detail: fmt.Sprintf("%s FAILED %s: %s", id, code, msg), Fix: failureFix(code)})
				return
			}
		}
		if time.Since(lastNote) >= 5*time.Second {
			lastNote = time.Now()
			fmt.Fprintf(d.errw, "  … still waiting for %s (%s, %s of %s)\n", id, last, duration(time.Since(start)), d.timeout)
		}
		select {
		case <-ctx.Done():
			d.add(check{Name: "delivery", Result: fail,
				Detail: fmt.Sprintf("%s still %s after %s: no terminal state", id, or(last), d.timeout),
				Fix:    fmt.Sprintf("check later with `redcloud message %s`; a message that stays QUEUED means no worker is moving messages on (redcloud serve --role all or worker); SENT means no delivery receipt yet", id)})
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// failureFix is the fix of a message.failed failure code.
func failureFix(code string) string {
	switch code {
	case redcloud.FailureInvalidDestination:
		return "the recipient is not a valid destination: check --send-to"
	case redcloud.FailureCarrierRejected, redcloud.FailureContentRejected:
		return "the carrier refused the message: check the text and the number's campaign registration"
	case redcloud.FailureUndeliverable:
		return "the handset could not be reached: try another recipient"
	case redcloud.FailureUpstreamUnavailable:
		return "the provider was unavailable through all retries: try again later, escalate if it persists"
	case redcloud.FailureExpired:
		return "the provider did not accept the message within its validity period: check the pipeline workers"
	}
	return "see `redcloud message <id>` for the lifecycle"
}
