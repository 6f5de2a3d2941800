package operator

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Operator roles: an admin may change things, a viewer may only look.
const (
	RoleAdmin  = "admin"
	RoleViewer = "viewer"
)

// The sandbox's console operator: published, like the sandbox's API
// credentials, so a sandbox listens on loopback only and a production
// database keeps no operator with this password.
const (
	SandboxOperatorEmail    = "admin@sandbox.local"
	SandboxOperatorPassword = "sandbox-admin"
)

// OperatorInfo is an operator as shown: never the password hash.
type OperatorInfo struct {
	ID    string
	Email string
	Role  string
	// CreatedAt and UpdatedAt (the last password change).
	CreatedAt, UpdatedAt time.Time
}

func operatorInfo(o store.Operator) OperatorInfo {
	return OperatorInfo{ID: o.ID, Email: o.Email, Role: o.Role, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// IsAdmin reports whether the operator may change things.
func (i OperatorInfo) IsAdmin() bool { return i.Role == RoleAdmin }

// OperatorInput is a new operator.
type OperatorInput struct {
	// Email is the login, unique; stored lower-case.
	Email string
	// Role is admin or viewer.
	Role string
	// Password is the operator's password, 12-256 characters; empty
	// generates one, which AddOperator returns.
	Password string
}

// Validate reports what is wrong with the input, without the database.
func (in OperatorInput) Validate() error {
	_, err := in.check()
	return err
}

func (in OperatorInput) check() (string, error) {
	email, err := checkEmail(in.Email)
	if err != nil {
		return "", err
	}
	if in.Role != RoleAdmin && in.Role != RoleViewer {
		return "", invalid("role", "role %q: a role is %s or %s", in.Role, RoleAdmin, RoleViewer)
	}
	if in.Password != "" {
		if err := checkPassword(in.Password); err != nil {
			return "", err
		}
	}
	return email, nil
}

// checkEmail returns email trimmed and lower-cased, or what is wrong.
func checkEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 {
		return "", invalid("email", "email %q is not an email address (name@example.com)", email)
	}
	return e, nil
}

// AddOperator creates an operator and returns it with its password: the
// one given, or a generated one, shown this once (only a hash is kept).
// An email taken already is a CONFLICT.
func (o *Operator) AddOperator(ctx context.Context, in OperatorInput) (OperatorInfo, string, error) {
	email, err := in.check()
	if err != nil {
		return OperatorInfo{}, "", err
	}
	password := in.Password
	if password == "" {
		password = NewPassword()
	}
	now := o.now()
	op := store.Operator{ID: platform.NewID("op_"), Email: email, Role: in.Role, PasswordHash: hashPassword(password),
		CreatedAt: now, UpdatedAt: now}
	if err := o.db.CreateOperator(ctx, op); err != nil {
		if errors.Is(err, platform.ErrConflict) {
			return OperatorInfo{}, "", conflict("", "operator %s already exists", email)
		}
		return OperatorInfo{}, "", err
	}
	return operatorInfo(op), password, o.record(ctx, ActionOperatorAdd, email, nil, map[string]string{"role": in.Role})
}

// ListOperators returns every operator, by email.
func (o *Operator) ListOperators(ctx context.Context) ([]OperatorInfo, error) {
	ops, err := o.db.ListOperators(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]OperatorInfo, len(ops))
	for i, op := range ops {
		out[i] = operatorInfo(op)
	}
	return out, nil
}

func (o *Operator) getOperator(ctx context.Context, email string) (store.Operator, error) {
	e, err := checkEmail(email)
	if err != nil {
		return store.Operator{}, err
	}
	op, err := o.db.GetOperatorByEmail(ctx, e)
	return op, missing(err, "operator %s not found", e)
}

// RemoveOperator removes an operator and ends its console sessions. The
// last admin cannot be removed (CONFLICT): someone must be able to change
// things.
func (o *Operator) RemoveOperator(ctx context.Context, email string) error {
	op, err := o.getOperator(ctx, email)
	if err != nil {
		return err
	}
	if op.Role == RoleAdmin {
		ops, err := o.db.ListOperators(ctx)
		if err != nil {
			return err
		}
		admins := 0
		for _, x := range ops {
			if x.Role == RoleAdmin {
				admins++
			}
		}
		if admins == 1 {
			return conflict("", "operator %s is the last admin; add another admin first", op.Email)
		}
	}
	if err := o.db.DeleteOperator(ctx, op.ID); err != nil {
		return missing(err, "operator %s not found", op.Email)
	}
	return o.record(ctx, ActionOperatorRemove, op.Email, map[string]string{"role": op.Role}, nil)
}

// ResetPassword sets an operator's password — the one given, or a
// generated one — returns it, shown this once, and ends the operator's
// console sessions.
func (o *Operator) ResetPassword(ctx context.Context, email, password string) (string, error) {
	if password != "" {
		if err := checkPassword(password); err != nil {
			return "", err
		}
	} else {
		password = NewPassword()
	}
	op, err := o.getOperator(ctx, email)
	if err != nil {
		return "", err
	}
	if err := o.db.SetOperatorPassword(ctx, op.ID, hashPassword(password), o.now()); err != nil {
		return "", missing(err, "operator %s not found", op.Email)
	}
	return password, o.record(ctx, ActionOperatorPassword, op.Email, nil, map[string]bool{"sessionsEnded": true})
}

// SeedSandboxOperator adds the sandbox's admin operator when the database
// has no operator at all, and reports whether it did.
func (o *Operator) SeedSandboxOperator(ctx context.Context) (bool, error) {
	ops, err := o.db.ListOperators(ctx)
	if err != nil || len(ops) > 0 {
		return false, err
	}
	_, _, err = o.AddOperator(ctx, OperatorInput{Email: SandboxOperatorEmail, Role: RoleAdmin, Password: SandboxOperatorPassword})
	if e, ok := platform.AsError(err); ok && e.Code == redcloud.CodeConflict {
		return false, nil // another process seeded it meanwhile
	}
	return err == nil, err
}

// removePublishedOperators removes every operator whose password is the
// sandbox's published one (a production database must hold none) and
// returns how many.
func (o *Operator) removePublishedOperators(ctx context.Context) (int, error) {
	ops, err := o.db.ListOperators(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, op := range ops {
		if !passwordMatches(SandboxOperatorPassword, op.PasswordHash) {
			continue
		}
		if err := o.db.DeleteOperator(ctx, op.ID); err != nil && !errors.Is(err, platform.ErrNotFound) {
			return n, err
		}
		n++
		if err := o.record(ctx, ActionOperatorRemove, op.Email, map[string]string{"role": op.Role},
			map[string]string{"reason": "published sandbox password in production"}); err != nil {
			return n, err
		}
	}
	return n, nil
}
