package main

import (
	"fmt"

	"github.com/redcloud-core/redcloud"
)

// Exit codes of the integrator's commands, one per playbook category, so
// that scripts can branch on the kind of failure. Documented in
// `redcloud --help` and the README.
const (
	cliExitOK            = 0
	cliExitOther         = 1 // unknown failures; a doctor check that failed without an API error
	cliExitRequestDefect = 2 // playbook A, and command-line usage errors
	cliExitAuthn         = 3 // playbook B
	cliExitAuthz         = 4 // playbook C
	cliExitConflict      = 5 // idempotency key reused with a different payload
	cliExitTransient     = 6 // playbook D, rate limited after the client's retries
	cliExitPartial       = 7 // a send was accepted but some recipients were rejected
	cliExitNotFound      = 8 // unknown message id or idempotency key
)

// cliExitCodes is the exit code table as the help text and README show it.
const cliExitCodes = `Exit codes of the integrator's commands:
  0  success
  1  anything else: an unknown failure (escalate it), a doctor check or drill that failed
  2  request defect (playbook category A), or a command-line usage error
  3  authentication (B): wrong client id or secret, token refused after one refresh
  4  authorization (C): number not owned by the API client, missing capability
  5  conflict: idempotency key already used with a different payload
  6  transient (D): 5xx, network failure or rate limit that outlasted the retries
  7  partial send: accepted, but some recipients were rejected
  8  not found: unknown messageId or idempotency key`

// cliExitCode returns the exit code of err's category.
func cliExitCode(err error) int {
	switch redcloud.Classify(err) {
	case redcloud.RequestDefect:
		return cliExitRequestDefect
	case redcloud.Authentication:
		return cliExitAuthn
	case redcloud.Authorization:
		return cliExitAuthz
	case redcloud.Conflict:
		return cliExitConflict
	case redcloud.Transient, redcloud.RateLimited:
		return cliExitTransient
	case redcloud.NotFound:
		return cliExitNotFound
	}
	return cliExitOther
}

// cliUsage makes err a usage error (exit code 2).
func cliUsage(err error) error {
	return &cliExitError{code: cliExitRequestDefect, err: err}
}

// cliUsagef returns a usage error (exit code 2).
func cliUsagef(format string, args ...any) error {
	return cliUsage(fmt.Errorf(format, args...))
}

// cliExit returns an error that exits with code and prints msg after
// "error:".
func cliExit(code int, format string, args ...any) error {
	return &cliExitError{code: code, err: fmt.Errorf(format, args...)}
}

// cliExitError carries the exit code of a failed integrator command. The
// CLI uses only public packages, so it has its own type; the binary reads
// any error with an ExitCode method.
type cliExitError struct {
	code int
	err  error
}

func (e *cliExitError) Error() string { return e.err.Error() }
func (e *cliExitError) Unwrap() error { return e.err }
func (e *cliExitError) ExitCode() int { return e.code }
