package redcloud_test

import (
	"os"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
)

// TestSandboxValues pins the sandbox's published demo values and magic
// recipients: integrators copy them from the README, so changing one breaks
// their setups. Each must also still appear in the README.
func TestSandboxValues(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, got, want string }{
		{"SandboxClientID", redcloud.SandboxClientID, "rc_test_client_123"},
		{"SandboxClientSecret", redcloud.SandboxClientSecret, "rc_secret_abc123"},
		{"SandboxNumberID", redcloud.SandboxNumberID, "num_abc123"},
		{"SandboxNumberE164", redcloud.SandboxNumberE164, "+15551234567"},
		{"SandboxCampaignID", redcloud.SandboxCampaignID, "A1B2C3"},
		{"SandboxOtherClientID", redcloud.SandboxOtherClientID, "rc_other_client_456"},
		{"SandboxOtherClientSecret", redcloud.SandboxOtherClientSecret, "rc_other_secret_456"},
		{"SandboxOtherNumberID", redcloud.SandboxOtherNumberID, "num_def456"},
		{"SandboxOtherNumberE164", redcloud.SandboxOtherNumberE164, "+15557654321"},
		{"SandboxInvalidDestination", redcloud.SandboxInvalidDestination, "+15005550001"},
		{"SandboxCarrierRejected", redcloud.SandboxCarrierRejected, "+15005550002"},
		{"SandboxTransientTwice", redcloud.SandboxTransientTwice, "+15005550003"},
		{"SandboxNoReceipt", redcloud.SandboxNoReceipt, "+15005550004"},
		{"SandboxUpstreamUnavailable", redcloud.SandboxUpstreamUnavailable, "+15005550005"},
	} {
		if tt.got != tt.want {
			t.Errorf("redcloud.%s = %q, want the published %q", tt.name, tt.got, tt.want)
		}
		if !strings.Contains(string(readme), tt.want) {
			t.Errorf("README.md no longer mentions %s (%s)", tt.want, tt.name)
		}
	}
}
