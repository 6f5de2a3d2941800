package platform_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
)

func TestValidClientID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"abc", true},
		{"rc_01j9z3k4m5n6p7q8r9s0t1v2w3", true},
		{"acme_prod_2", true},
		{strings.Repeat("a", 64), true},
		{"ab", false},
		{strings.Repeat("a", 65), false},
		{"Acme", false},
		{"acme-prod", false},
		{"acme prod", false},
	} {
		if got := platform.ValidClientID(tc.id); got != tc.want {
			t.Errorf("ValidClientID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestParseCapabilities(t *testing.T) {
	t.Parallel()
	const valid = "valid capabilities: messages:send, numbers:read, numbers:search, numbers:update"
	for _, tc := range []struct {
		names   []string
		want    []string
		problem string
	}{
		{[]string{"numbers:search", " numbers:read", "numbers:read"}, []string{"numbers:read", "numbers:search"}, ""},
		{[]string{"numbers:update", "", "messages:send"}, []string{"messages:send", "numbers:update"}, ""},
		{platform.AllCapabilities, platform.AllCapabilities, ""},
		{[]string{"numbers:read", "numbers:write"}, nil, `unknown capability "numbers:write"; ` + valid},
		{[]string{"Messages:Send"}, nil, `unknown capability "Messages:Send"; ` + valid},
		{nil, nil, "no capability named; " + valid},
		{[]string{" ", ""}, nil, "no capability named; " + valid},
	} {
		got, problem := platform.ParseCapabilities(tc.names)
		if problem != tc.problem || !slices.Equal(got, tc.want) {
			t.Errorf("ParseCapabilities(%q) = %v, %q; want %v, %q", tc.names, got, problem, tc.want, tc.problem)
		}
	}
}
