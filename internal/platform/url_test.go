package platform_test

import (
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// TestWebhookURLZone: a URL whose host is a zoned IPv6 literal is refused
// when it is saved, in sandbox mode and in production.
func TestWebhookURLZone(t *testing.T) {
	for _, u := range []string{
		"https://[::1%25lo]:8443/hook",
		"http://[::1%25lo]:8080/hook",
		"https://[fe80::1%25eth0]/hook",
		"https://[fd00:ec2::254%25eth0]/latest",
		"https://[2606:4700::1%25eth0]/hook",
	} {
		for _, sandbox := range []bool{true, false} {
			if msg := platform.CheckWebhookURL(u, sandbox); msg == "" {
				t.Errorf("CheckWebhookURL(%q, sandbox=%v) accepted a zoned host", u, sandbox)
			}
		}
	}
	for _, u := range []string{"https://[2606:4700::1]/hook", "https://example.com/hook"} {
		if msg := platform.CheckWebhookURL(u, false); msg != "" {
			t.Errorf("CheckWebhookURL(%q) = %q, want valid", u, msg)
		}
	}
}

// TestMediaURLZone: an MMS media URL on a zoned IPv6 literal is refused.
func TestMediaURLZone(t *testing.T) {
	body := []byte(`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://[fe80::1%25eth0]/a.png"]}`)
	for _, allowHTTP := range []bool{true, false} {
		if _, perr := platform.DecodeSend(body, allowHTTP); perr == nil {
			t.Errorf("DecodeSend(allowHTTP=%v) accepted a media URL with a zoned host", allowHTTP)
		}
	}
	ok := []byte(`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://[2606:4700::1]/a.png"]}`)
	if _, perr := platform.DecodeSend(ok, false); perr != nil {
		t.Errorf("DecodeSend refused a public IPv6 media URL: %v", perr.Message)
	}
}
