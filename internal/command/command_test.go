package command_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/redcloud-core/redcloud/internal/command"
)

type coded struct{ code int }

func (c coded) Error() string { return "coded" }
func (c coded) ExitCode() int { return c.code }

func TestCode(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"plain error", errors.New("x"), 1},
		{"exit error", command.Exit(2, errors.New("x")), 2},
		{"wrapped exit error", fmt.Errorf("run: %w", command.Exitf(5, "bad %s", "x")), 5},
		{"any ExitCode method", fmt.Errorf("run: %w", coded{7}), 7},
	} {
		if got := command.Code(tt.err); got != tt.want {
			t.Errorf("%s: Code = %d, want %d", tt.name, got, tt.want)
		}
	}
}
