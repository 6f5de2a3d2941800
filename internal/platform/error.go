package platform

import (
	"errors"
	"fmt"

	"github.com/redcloud-core/redcloud"
)

// Error is the domain error: a CORE error code, a message safe to show to the
// caller and optional details. The HTTP layer maps Code to a status.
type Error struct {
	Code    string
	Message string
	Details map[string]any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an INVALID_REQUEST error naming the failing field.
func Invalid(field, message string) *Error {
	e := &Error{Code: redcloud.CodeInvalidRequest, Message: message}
	if field != "" {
		e.Details = map[string]any{"field": field}
	}
	return e
}

// With returns e with one more detail set.
func (e *Error) With(key string, value any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = value
	return e
}

// Sentinel errors the store returns.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// AsError returns err as an *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
