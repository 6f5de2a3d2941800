package cli

import (
	"fmt"

	"github.com/redcloud-core/redcloud"
)

// Exit codes of the integrator's commands, one per playbook category, so
// that scripts can branch on the kind of failure. Documented in
// `redcloud --help` and the README.
const (
	exitOK            = 0
	exitOther         = 1 // unknown failures; a doctor check that failed without an API error
	exitRequestDefect = 2 // playbook A, and command-line usage errors
	exitAuthn         = 3 // playbook B
	exitAuthz         = 4 // playbook C
	exitConflict      = 5 // idempotency key reused with a different payload
	exitTransient     = 6 // playbook D, rate limited after the client's retries
	exitPartial       = 7 // a send was accepted but some recipients were rejected
	exitNotFound      = 8 // unknown message id or idempotency key
)

// exitCodes is the exit code table as the help text and README show it.
const exitCodes = `Exit codes of the integrator's commands:
  0  success
  1  anything else: an unknown failure (escalate it), a doctor check or drill that failed
  2  request defect (playbook category A), or a command-line usage error
  3  authentication (B): wrong client id or secret, token refused after one refresh
  4  authorization (C): number not owned by the API client, missing capability
  5  conflict: idempotency key already used with a different payload
  6  transient (D): 5xx, network failure or rate limit that outlasted the retries
  7  partial send: accepted, but some recipients were rejected
  8  not found: unknown messageId or idempotency key`

// exitCode returns the exit code of err's category.
func exitCode(err error) int {
	switch redcloud.Classify(err) {
	case redcloud.RequestDefect:
		return exitRequestDefect
	case redcloud.Authentication:
		return exitAuthn
	case redcloud.Authorization:
		return exitAuthz
	case redcloud.Conflict:
		return exitConflict
	case redcloud.Transient, redcloud.RateLimited:
		return exitTransient
	case redcloud.NotFound:
		return exitNotFound
	}
	return exitOther
}

// usage makes err a usage error (exit code 2).
func usage(err error) error {
	return &exitError{code: exitRequestDefect, err: err}
}

// usagef returns a usage error (exit code 2).
func usagef(format string, args ...any) error {
	return usage(fmt.Errorf(format, args...))
}

// exit returns an error that exits with code and prints msg after
// "error:".
func exit(code int, format string, args ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

// exitError carries the exit code of a failed integrator command. The
// CLI uses only public packages, so it has its own type; the binary reads
// any error with an ExitCode method.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }
