package operator_test

import (
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
)

// change is a WebhookInput field that sets url.
func change(url string) **string { p := &url; return &p }

// clearURL is a WebhookInput field that clears the URL.
func clearURL() **string { var none *string; return &none }

func TestWebhookInputValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		in         operator.WebhookInput
		field, msg string // "" when valid
	}{
		{"nothing", operator.WebhookInput{}, "", ""},
		{"https", operator.WebhookInput{DeliveryURL: change("https://hooks.example.com/d")}, "", ""},
		{"clear both", operator.WebhookInput{DeliveryURL: clearURL(), InboundURL: clearURL()}, "", ""},
		{"http in sandbox", operator.WebhookInput{InboundURL: change("http://127.0.0.1:9000/i"), Sandbox: true}, "", ""},
		{"http", operator.WebhookInput{DeliveryURL: change("http://hooks.example.com/d")}, "deliveryUrl", `deliveryUrl "http://hooks.example.com/d": must be an https URL`},
		{"ftp in sandbox", operator.WebhookInput{InboundURL: change("ftp://h/i"), Sandbox: true}, "inboundUrl", "must be an http or https URL"},
		{"relative", operator.WebhookInput{DeliveryURL: change("/relative")}, "deliveryUrl", "must be an absolute URL"},
		{"too long", operator.WebhookInput{DeliveryURL: change("https://h/" + strings.Repeat("a", 2048))}, "deliveryUrl", "at most 2048"},
		{"credentials", operator.WebhookInput{InboundURL: change("https://user:hunter2@hooks.example.com/i")}, "inboundUrl",
			`inboundUrl "https://REDACTED@hooks.example.com/i": must not contain credentials`},
		{"second URL bad", operator.WebhookInput{DeliveryURL: change("https://h/d"), InboundURL: change("nope")}, "inboundUrl", "absolute"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.in.Validate()
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			wantError(t, err, redcloud.CodeInvalidRequest, tc.field, tc.msg)
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error shows a password: %v", err)
			}
		})
	}
}

func TestSetWebhooks(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		c := e.client(t, "acme")
		deref := func(s *string) string {
			if s == nil {
				return "<nil>"
			}
			return *s
		}
		for _, tc := range []struct {
			name              string
			in                operator.WebhookInput
			delivery, inbound string
		}{
			{"set both", operator.WebhookInput{DeliveryURL: change("https://h/d"), InboundURL: change("https://h/i")}, "https://h/d", "https://h/i"},
			{"clear inbound", operator.WebhookInput{InboundURL: clearURL()}, "https://h/d", "<nil>"},
			{"nothing", operator.WebhookInput{}, "https://h/d", "<nil>"},
			{"http in sandbox", operator.WebhookInput{InboundURL: change("http://localhost:9000/i"), Sandbox: true}, "https://h/d", "http://localhost:9000/i"},
			{"refused", operator.WebhookInput{DeliveryURL: change("http://h/x")}, "https://h/d", "http://localhost:9000/i"},
			{"clear both", operator.WebhookInput{DeliveryURL: clearURL(), InboundURL: clearURL()}, "<nil>", "<nil>"},
		} {
			got, err := e.op.SetWebhooks(e.ctx, c.ID, tc.in)
			stored, _ := e.db.GetAPIClient(e.ctx, c.ID)
			if d, i := deref(stored.DeliveryURL), deref(stored.InboundURL); d != tc.delivery || i != tc.inbound {
				t.Errorf("%s: stored %s, %s; want %s, %s", tc.name, d, i, tc.delivery, tc.inbound)
			}
			if tc.name == "refused" {
				wantError(t, err, redcloud.CodeInvalidRequest, "deliveryUrl", "must be an https URL")
				continue
			}
			if err != nil || deref(got.DeliveryURL) != tc.delivery || deref(got.InboundURL) != tc.inbound {
				t.Errorf("%s: SetWebhooks = %+v, %v", tc.name, got, err)
			}
		}
		_, err := e.op.SetWebhooks(e.ctx, "rc_x", operator.WebhookInput{InboundURL: clearURL()})
		wantError(t, err, redcloud.CodeNotFound, "", "api client rc_x not found")
	})
}
