package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/redcloud-core/redcloud"
)

// reading is the error-handling playbook's reading of a failure, as the
// integrator's commands print it: the shape (step 1), the category (step 2),
// the action (step 3), a one-line explanation, the requestId, and the fix in
// this CLI's terms. Its JSON field names are stable.
type reading struct {
	Command        string            `json:"command"`
	Error          string            `json:"error"`
	Shape          string            `json:"shape"` // oauth, api, transport, local
	Category       redcloud.Category `json:"category"`
	Action         redcloud.Action   `json:"action"`
	Explanation    string            `json:"explanation"`
	Method         string            `json:"method,omitempty"`
	Endpoint       string            `json:"endpoint,omitempty"`
	Status         int               `json:"status,omitempty"`
	Code           string            `json:"code,omitempty"`
	Field          string            `json:"field,omitempty"`
	RequestID      string            `json:"requestId,omitempty"`
	IdempotencyKey string            `json:"idempotencyKey,omitempty"`
	Outcome        string            `json:"outcome,omitempty"`
	Ambiguous      bool              `json:"ambiguous"`
	Attempts       int               `json:"attempts"`
	Fix            string            `json:"fix,omitempty"`
	ExitCode       int               `json:"exitCode"`
}

// failureJSON is what --json prints on stdout for a failure.
type failureJSON struct {
	OK         bool                        `json:"ok"`
	Error      *reading                    `json:"error"`
	Escalation *redcloud.EscalationPackage `json:"escalation,omitempty"`
}

// read reads err the playbook's way. key, when not empty, is the
// idempotency key of a send, shown even when the error does not carry it
// (the send failed before the request, at the token).
func (o *options) read(command string, err error, key string) (*reading, *redcloud.EscalationPackage) {
	p := redcloud.Escalation(err)
	r := &reading{
		Command: command, Error: p.Error, Shape: p.Shape, Category: p.Category, Action: p.Action,
		Explanation: p.Explanation, Method: p.Method, Endpoint: p.Endpoint, Status: p.Status, Code: p.Code,
		RequestID: p.RequestID, IdempotencyKey: p.IdempotencyKey, Outcome: p.Outcome, Ambiguous: p.Ambiguous,
		Attempts: len(p.Attempts), ExitCode: exitCode(err),
	}
	if r.IdempotencyKey == "" {
		r.IdempotencyKey = key
	}
	var ae *redcloud.APIError
	if errors.As(err, &ae) {
		r.Field, _ = ae.Details["field"].(string)
	}
	r.Fix = o.fix(r, err)
	return r, p
}

// fail prints the reading of err — on stderr for humans, or as JSON on
// stdout with --json — plus the escalation package with --escalate (on
// stdout, so that it can be redirected to a file for support), and returns
// the error that exits with the category's code.
func (o *options) fail(command string, err error, key string) error {
	r, p := o.read(command, err, key)
	out, errw := o.cmd.OutOrStdout(), o.cmd.ErrOrStderr()
	if o.json {
		f := failureJSON{Error: r}
		if o.escalate {
			f.Escalation = p
		}
		_ = printJSON(out, f)
	} else {
		printReading(errw, colorFor(errw), r)
		if o.escalate {
			fmt.Fprintln(out, p.Text())
		}
	}
	return &exitError{code: r.ExitCode, err: fmt.Errorf("%s failed: %s (exit code %d)", command,
		strings.ReplaceAll(string(r.Category), "_", " "), r.ExitCode)}
}

// printReading prints r for humans.
func printReading(w io.Writer, color bool, r *reading) {
	head := shapeText(r)
	if r.Status != 0 {
		head += fmt.Sprintf(", %d %s", r.Status, r.Code)
	}
	fmt.Fprintf(w, "%s %s\n", paint(color, red, "✗ "+r.Command+" failed:"), strings.TrimSpace(head))
	t := table(w)
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(t, "  %s\t%s\n", k, v)
		}
	}
	line("category", string(r.Category)+" ("+categoryText(r.Category)+")")
	line("action", string(r.Action)+": "+actionText(r.Action))
	line("explanation", r.Explanation)
	line("requestId", r.RequestID)
	if r.IdempotencyKey != "" {
		line("idempotency key", r.IdempotencyKey+" ("+keyState(r)+")")
	}
	if r.Attempts > 0 {
		line("attempts", fmt.Sprintf("%d", r.Attempts))
	}
	line("fix", r.Fix)
	t.Flush()
}

// keyState says what a failed send means for its idempotency key.
func keyState(r *reading) string {
	switch {
	case r.Ambiguous:
		return "the send may have been accepted under it: check with `redcloud key " + r.IdempotencyKey + "`"
	case r.Category == redcloud.Conflict:
		return "already used with a different payload"
	}
	return "nothing was accepted under it; it may be used again once the request is fixed"
}

// shapeText names the failure shape (playbook step 1).
func shapeText(r *reading) string {
	switch r.Shape {
	case "oauth":
		return "OAuth token error"
	case "api":
		if r.Code == "" {
			return "undocumented response from a CORE route"
		}
		return "CORE API error"
	case "transport":
		return "transport failure (no response)"
	}
	return "refused by the client before any request"
}

// categoryText says what a category is in the playbook's words.
func categoryText(c redcloud.Category) string {
	switch c {
	case redcloud.RequestDefect:
		return "playbook A: request-construction defect"
	case redcloud.Authentication:
		return "playbook B: authentication failure"
	case redcloud.Authorization:
		return "playbook C: authorization or ownership failure"
	case redcloud.Transient:
		return "playbook D: transient platform or upstream failure"
	case redcloud.RateLimited:
		return "rate limited: retried within the client's policy"
	case redcloud.Conflict:
		return "idempotency key reused with a different payload"
	case redcloud.NotFound:
		return "unknown id, key or route"
	}
	return "outside the playbook's categories"
}

// actionText says what an action asks for (playbook step 3).
func actionText(a redcloud.Action) string {
	switch a {
	case redcloud.FixRequest:
		return "do not retry unchanged; fix the request"
	case redcloud.RefreshCredentials:
		return "the token was refreshed at most once; fix the credentials or the client context"
	case redcloud.FixAccountConfiguration:
		return "do not retry blindly; verify whoami and numbers, correct the client or number"
	case redcloud.Retry:
		return "retry later with a bounded policy, same idempotency key and payload for sends"
	}
	return "collect the escalation package (--escalate) and contact support"
}

// fix is the fix in this CLI's terms: which flag or variable to change,
// which command to run next.
func (o *options) fix(r *reading, err error) string {
	var ae *redcloud.APIError
	errors.As(err, &ae)
	switch r.Category {
	case redcloud.Authentication:
		if r.Shape == "oauth" {
			return fmt.Sprintf("check RC_CLIENT_SECRET and RC_CLIENT_ID (or --client-secret/--client-id): the server refused the credentials of %q "+
				"(against the local sandbox, unset both to use its demo client)", o.id())
		}
		return "the token was refused even after one refresh: check that the API client and its account are ACTIVE (`redcloud whoami`)"
	case redcloud.Authorization:
		if ae != nil {
			if c, ok := ae.Details["capability"].(string); ok && c != "" {
				return fmt.Sprintf("the API client lacks the capability %s: ask the account owner to grant it (`redcloud whoami` lists them)", c)
			}
		}
		if r.Field == "sendFrom" || r.Field == "numberId" {
			return fmt.Sprintf("%s is not one of this API client's numbers: pick one from `redcloud numbers` and set RC_NUMBER_ID or --number-id", o.number())
		}
		return "check `redcloud whoami` and `redcloud numbers`, then correct the client id or the number"
	case redcloud.RequestDefect:
		switch {
		case r.Shape == "oauth":
			return "the token request was malformed: check --client-id/RC_CLIENT_ID and --base-url/BASE_URL"
		case r.Field == "sendFrom":
			if strings.Contains(strings.ToLower(r.Explanation), "campaign") {
				return fmt.Sprintf("set the number's campaign registration: `redcloud numbers update %s --campaign <campaignRegId>`", o.number())
			}
			return "--number-id (RC_NUMBER_ID) takes a numberId (num_…) from `redcloud numbers`, not a phone number"
		case strings.HasPrefix(r.Field, "to"):
			return "--to takes E.164 numbers such as +15551234567 (a plus, the country code, up to 15 digits), each once"
		case r.Field == "text":
			return "give --text (an SMS needs 1-1600 characters)"
		case strings.HasPrefix(r.Field, "mediaUrls"):
			return "--media takes absolute https URLs, only with --type MMS"
		case r.Field != "":
			return "fix " + r.Field + " and run the command again"
		}
		return "fix the request and run the command again; retrying it unchanged fails the same way"
	case redcloud.Conflict:
		return "a changed payload is a new send: use a new --idempotency-key, or omit it to get a fresh one"
	case redcloud.NotFound:
		switch {
		case strings.HasPrefix(r.Endpoint, pathPrefix(redcloud.PathMessage)):
			return "check the messageId: `redcloud send` prints it (a message of another API client is not found either)"
		case strings.HasPrefix(r.Endpoint, pathPrefix(redcloud.PathIdempotencyKey)):
			return "nothing was accepted under this key, or it was forgotten 24 h after its acceptance: a send with it now is a first send"
		case strings.HasPrefix(r.Endpoint, pathPrefix(redcloud.PathSandboxWebhooks)):
			return "the server at " + o.base() + " is not a sandbox: the sandbox routes exist only on `redcloud serve` (sandbox mode)"
		}
		return "check --base-url/BASE_URL: " + o.base() + " has no such route"
	case redcloud.Transient, redcloud.RateLimited:
		if r.Ambiguous && r.IdempotencyKey != "" {
			return fmt.Sprintf("the send may have been accepted: run `redcloud key %s` to see; send again only with --idempotency-key %s and the same payload",
				r.IdempotencyKey, r.IdempotencyKey)
		}
		if r.Shape == "transport" && r.Outcome == "not_processed" {
			return "nothing answered at " + o.base() + ": is the server running (`redcloud serve`)? check --base-url/BASE_URL"
		}
		return "the client already retried within its policy: try again later; run with --escalate and contact support if it persists"
	}
	return "run again with --escalate and send the package to support"
}

// pathPrefix is a route path up to its last segment ("/api/core/messages/"
// of ".../{messageId}"), to tell which route an endpoint belongs to.
func pathPrefix(route string) string {
	return route[:strings.LastIndex(route, "/")+1]
}
