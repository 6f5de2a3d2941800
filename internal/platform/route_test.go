package platform_test

import (
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/webhook"
)

// TestRouteURL checks CONTRACT §8.1 for every event type: lifecycle events
// go to the number's delivery override, else the client's delivery URL;
// message.inbound to the inbound override, else the inbound URL; a number's
// overrides apply only to messages of the client that owns it now.
func TestRouteURL(t *testing.T) {
	const (
		clientD, clientI     = "https://client.example/d", "https://client.example/i"
		overrideD, overrideI = "https://num.example/d", "https://num.example/i"
	)
	tests := []struct {
		name            string
		owner           string // the number's owner; the message's client is rc_a
		client, numbers bool   // URLs set on the client, overrides set on the number
		lifecycle       string
		inbound         string
	}{
		{"overrides win", "rc_a", true, true, overrideD, overrideI},
		{"overrides alone", "rc_a", false, true, overrideD, overrideI},
		{"client URLs", "rc_a", true, false, clientD, clientI},
		{"nowhere", "rc_a", false, false, "", ""},
		{"number owned by another client", "rc_b", true, true, clientD, clientI},
		{"another client's overrides alone", "rc_b", false, true, "", ""},
		{"unassigned number", "", true, true, clientD, clientI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := platform.APIClient{ID: "rc_a"}
			if tt.client {
				c.DeliveryURL, c.InboundURL = ptr(clientD), ptr(clientI)
			}
			n := platform.Number{ID: "num_a", APIClientID: tt.owner}
			if tt.numbers {
				n.WebhookDeliveryOverride, n.WebhookInboundOverride = ptr(overrideD), ptr(overrideI)
			}
			r := platform.RouteOf(c, n)
			for _, typ := range []string{webhook.TypeQueued, webhook.TypeSent, webhook.TypeDelivery, webhook.TypeFailed} {
				if got := r.URL(typ); got != tt.lifecycle {
					t.Errorf("%s to %q, want %q", typ, got, tt.lifecycle)
				}
			}
			if got := platform.LifecycleURL(c, n); got != tt.lifecycle {
				t.Errorf("LifecycleURL = %q, want %q", got, tt.lifecycle)
			}
			if got := r.URL(webhook.TypeInbound); got != tt.inbound {
				t.Errorf("%s to %q, want %q", webhook.TypeInbound, got, tt.inbound)
			}
		})
	}
}
