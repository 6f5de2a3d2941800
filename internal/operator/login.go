package operator

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Login throttle: failed logins per remote address and email, counted in
// the database so that every server process shares the count. Keyed by
// both, so that an attacker guessing one operator's password from one
// address cannot lock that operator out from another.
const (
	LoginFailureLimit  = 10
	LoginFailureWindow = 15 * time.Minute
)

// PrefixSessionToken starts a console session token (the cookie's value).
const PrefixSessionToken = "rcs_"

// Session is a console login: its token, for the cookie, shown this once
// (only its hash is stored); who; and when it ends.
type Session struct {
	Token     string
	Operator  OperatorInfo
	ExpiresAt time.Time
}

// errLogin is the one answer to a wrong email or password: it does not say
// which was wrong.
func errLogin() error {
	return platform.Errorf(redcloud.CodeUnauthorized, "wrong email or password")
}

// Login checks an operator's email and password and opens a session. from
// is the caller's address (the throttle's key, with the email). While
// LoginFailureLimit failures of that address and email lie within
// LoginFailureWindow every attempt is refused with RATE_LIMITED (details
// retryAfter, in seconds), the right password too: a guesser learns nothing
// until the window ends. A wrong email or password is UNAUTHORIZED, and
// takes as long whether or not the email exists.
func (o *Operator) Login(ctx context.Context, email, password, from string) (Session, error) {
	now := o.now()
	e := strings.ToLower(strings.TrimSpace(email))
	keys := []string{"console:" + from + "|" + e}
	until, blocked, err := o.db.AuthBlocked(ctx, keys, LoginFailureLimit, LoginFailureWindow, now)
	if err != nil {
		return Session{}, err
	}
	if blocked {
		wait := max(1, int(math.Ceil(until.Sub(now).Seconds())))
		return Session{}, platform.Errorf(redcloud.CodeRateLimited,
			"too many failed logins; try again in %s", (time.Duration(wait)*time.Second).String()).With("retryAfter", wait)
	}
	op, err := o.db.GetOperatorByEmail(ctx, e)
	if err != nil && !errors.Is(err, platform.ErrNotFound) {
		return Session{}, err
	}
	hash := op.PasswordHash
	if err != nil || len(password) > MaxPasswordLength {
		hash = dummyHash()
	}
	if !passwordMatches(password, hash) || err != nil || len(password) > MaxPasswordLength {
		if err := o.db.AuthFailed(ctx, keys, LoginFailureWindow, now); err != nil {
			return Session{}, err
		}
		return Session{}, errLogin()
	}
	token := platform.NewSecret(PrefixSessionToken)
	s := store.ConsoleSession{TokenHash: platform.HashSecret(token), OperatorID: op.ID, CreatedAt: now, ExpiresAt: now.Add(o.sessionTTL)}
	if err := o.db.CreateConsoleSession(ctx, s); err != nil {
		return Session{}, missing(err, "operator %s was removed", e)
	}
	return Session{Token: token, Operator: operatorInfo(op), ExpiresAt: s.ExpiresAt}, nil
}

// LookupSession returns the operator of a live session token;
// UNAUTHORIZED when the token is unknown, expired or its operator removed.
func (o *Operator) LookupSession(ctx context.Context, token string) (OperatorInfo, time.Time, error) {
	if !strings.HasPrefix(token, PrefixSessionToken) || len(token) > 128 {
		return OperatorInfo{}, time.Time{}, platform.Errorf(redcloud.CodeUnauthorized, "not logged in")
	}
	s, op, err := o.db.GetConsoleSession(ctx, platform.HashSecret(token), o.now())
	if errors.Is(err, platform.ErrNotFound) {
		return OperatorInfo{}, time.Time{}, platform.Errorf(redcloud.CodeUnauthorized, "session expired; log in again")
	}
	if err != nil {
		return OperatorInfo{}, time.Time{}, err
	}
	return operatorInfo(op), s.ExpiresAt, nil
}

// Logout ends a session; an unknown token is not an error.
func (o *Operator) Logout(ctx context.Context, token string) error {
	return o.db.DeleteConsoleSession(ctx, platform.HashSecret(token))
}

// RetryAfter returns the seconds a RATE_LIMITED error of Login says to
// wait, or 0.
func RetryAfter(err error) int {
	if e, ok := platform.AsError(err); ok && e.Code == redcloud.CodeRateLimited {
		n, _ := e.Details["retryAfter"].(int)
		return n
	}
	return 0
}
