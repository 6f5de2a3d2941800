package platform_test

import (
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
)

func TestCheckName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, name, problem string
	}{
		{"Acme", "Acme", ""},
		{"  Acme Inc \t", "Acme Inc", ""},
		{strings.Repeat("é", 200), strings.Repeat("é", 200), ""},
		{"", "", "is required and must not be blank"},
		{" \n ", "", "is required and must not be blank"},
		{strings.Repeat("é", 201), strings.Repeat("é", 201), "must be at most 200 characters"},
		{"a\tb", "a\tb", "must not contain control characters"},
		{"a\x7fb", "a\x7fb", "must not contain control characters"},
	} {
		name, problem := platform.CheckName(tc.in)
		if problem != tc.problem || (problem == "" && name != tc.name) {
			t.Errorf("CheckName(%q) = %q, %q; want %q, %q", tc.in, name, problem, tc.name, tc.problem)
		}
	}
}

func TestValidAccountID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"acct_acme", true},
		{"acct_01j9z3k4m5n6p7q8r9s0t1v2w3", true},
		{"acct_A-b_9", true},
		{"acct_" + strings.Repeat("a", 64), true},
		{"acct_", false},
		{"acct_" + strings.Repeat("a", 65), false},
		{"acme", false},
		{"ACCT_acme", false},
		{"acct_a.b", false},
		{"acct_é", false},
	} {
		if got := platform.ValidAccountID(tc.id); got != tc.want {
			t.Errorf("ValidAccountID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestParseEntityStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"ACTIVE", "ACTIVE", true},
		{" suspended ", "SUSPENDED", true},
		{"Active", "ACTIVE", true},
		{"", "", false},
		{"DISABLED", "", false},
		{"ACTIVE!", "", false},
	} {
		if got, ok := platform.ParseEntityStatus(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("ParseEntityStatus(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
