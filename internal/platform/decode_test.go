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
		// Quotes, commas, braces and names inside values hide no key.
		`{"text":"\", \"sendFrom\": {[\\","sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","TEXT":"hi"}`,
		`{"to":["+15551234567","},{"],"sendFrom":"num_abc123","messageType":"SMS","Text":"hi"}`,
		`{"sendFrom":"num_abc123","text":"x\\","Text":"hi","to":["+15551234567"],"messageType":"SMS"}`,
		// An escape in the key does not hide the case either.
		`{"SEND\u0046ROM":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi"}`,
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

// A key written with escapes is the name it decodes to.
func TestDecodeEscapedFieldName(t *testing.T) {
	body := `{"send\u0046rom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"a \"SENDFROM\": x"}`
	in, err := platform.DecodeSend([]byte(body), false)
	if err != nil || in.SendFrom != "num_abc123" {
		t.Fatalf("%s: %+v, %v", body, in, err)
	}
}
