package platform_test

import (
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// encoding/json matches keys case-insensitively; the API must not.
func TestDecodeRejectsCaseVariantFields(t *testing.T) {
	for _, body := range []string{
		`{"SENDFROM":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi"}`,
		`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi","mediaURLs":[]}`,
		`{"sendFrom":"num_abc123","To":["+15551234567"],"messageType":"SMS","text":"hi"}`,
	} {
		_, err := platform.DecodeSend([]byte(body), false)
		if err == nil || err.Details["reason"] != "unknown_field" {
			t.Errorf("%s: got %v, want unknown_field", body, err)
		}
	}
	if _, err := platform.DecodeSearch([]byte(`{"NPA":"512"}`)); err == nil || err.Details["field"] != "NPA" {
		t.Errorf("search NPA: got %v", err)
	}
	if _, err := platform.DecodeInbound([]byte(`{"numberId":"num_abc123","From":"+15550001111","text":"x"}`)); err == nil {
		t.Errorf("inbound From: accepted")
	}
}
