package redcloud

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrRetryBudgetExhausted is joined to a call's last error when the call
// stopped retrying because the client's retry budget was spent (see
// RetryPolicy.Budget). Match it with errors.Is.
var ErrRetryBudgetExhausted = errors.New("redcloud: retry budget exhausted")

// ErrOutcomeUnknown is joined to a send's error when at least one of its
// attempts may have been processed although its answer was lost (a dropped
// connection, a 5xx without the not_processed promise, an unreadable 202).
// The messages may have been accepted: reconcile with Client.IdempotencyKey
// before deciding, and if sending again, send the same payload with the same
// key. Match it with errors.Is, or use Ambiguous.
var ErrOutcomeUnknown = errors.New("redcloud: outcome unknown: the request may have been processed")

// Ambiguous reports whether err leaves the outcome of a send unknown (see
// ErrOutcomeUnknown).
func Ambiguous(err error) bool { return errors.Is(err, ErrOutcomeUnknown) }

// RetryAfterError is returned instead of sleeping when the server asked, with
// Retry-After, for a longer wait than RetryPolicy.MaxDelay. Err is the 429 or
// 503 response that asked; Classify and Advise see through to it.
type RetryAfterError struct {
	// RetryAfter is the wait the server asked for.
	RetryAfter time.Duration
	// MaxDelay is the client's cap that it exceeds.
	MaxDelay time.Duration
	// Err is the response that asked (*APIError or *OAuthError).
	Err error
}

// Error says what was asked and refused.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("redcloud: server asked to retry after %v, longer than the client's cap of %v: %v", e.RetryAfter, e.MaxDelay, e.Err)
}

// Unwrap returns Err.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// stopError joins the last error of a call with why the call stopped
// (context end, budget) and whether its outcome is unknown.
type stopError struct {
	err    error
	causes []error
	key    string
}

// Error is the last error's message, then why the call stopped.
func (e *stopError) Error() string {
	var b strings.Builder
	b.WriteString(e.err.Error())
	for _, c := range e.causes {
		if errors.Is(c, ErrOutcomeUnknown) {
			fmt.Fprintf(&b, "; outcome unknown: an attempt may have been processed, reconcile with IdempotencyKey(ctx, %q) and send again only with that key and the same payload", e.key)
			continue
		}
		b.WriteString("; stopped retrying: " + c.Error())
	}
	return b.String()
}

// Unwrap returns the last error and the causes, for errors.Is and errors.As.
func (e *stopError) Unwrap() []error { return append([]error{e.err}, e.causes...) }

// budget is the retry budget: a token bucket that calls fill and retries
// drain (RetryPolicy.Budget). It counts in thousandths of a retry, so that
// ten calls at ratio 0.1 earn exactly one.
type budget struct {
	mu        sync.Mutex
	unlimited bool
	tokens    int64
	max       int64
	earned    int64 // per call
}

const budgetUnit = 1000

func newBudget(p RetryPolicy) *budget {
	if p.Budget < 0 {
		return &budget{unlimited: true}
	}
	n := int64(p.Budget) * budgetUnit
	return &budget{tokens: n, max: n, earned: int64(p.BudgetRatio*budgetUnit + 0.5)}
}

// earn credits one new call.
func (b *budget) earn() {
	if b.unlimited {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = min(b.max, b.tokens+b.earned)
}

// take spends one retry, or reports that the budget is empty.
func (b *budget) take() bool {
	if b.unlimited {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < budgetUnit {
		return false
	}
	b.tokens -= budgetUnit
	return true
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
// Zero when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}

// retryAfter returns the Retry-After carried by err's response.
func retryAfter(err error) time.Duration {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.RetryAfter
	}
	var oe *OAuthError
	if errors.As(err, &oe) {
		return oe.RetryAfter
	}
	return 0
}
