package redcloud_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/redcloud-core/redcloud"
)

// TestNumberUpdateJSON encodes each state of a Patch and decodes it back:
// absent is left out, null clears, a string sets.
func TestNumberUpdateJSON(t *testing.T) {
	for _, tt := range []struct {
		u    redcloud.NumberUpdate
		wire string
	}{
		{redcloud.NumberUpdate{}, `{}`},
		{redcloud.NumberUpdate{CampaignRegID: redcloud.SetTo("A1B2C3")}, `{"campaignregId":"A1B2C3"}`},
		{redcloud.NumberUpdate{WebhookInboundOverride: redcloud.Clear()}, `{"webhookInboundOverride":null}`},
		{redcloud.NumberUpdate{CampaignRegID: redcloud.Clear(), WebhookInboundOverride: redcloud.SetTo("https://h.example/in?a=1&b=<2>"),
			WebhookDeliveryOverride: redcloud.SetTo("")},
			`{"campaignregId":null,"webhookInboundOverride":"https://h.example/in?a=1\u0026b=\u003c2\u003e","webhookDeliveryOverride":""}`},
	} {
		got, err := json.Marshal(tt.u)
		if err != nil || string(got) != tt.wire {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", tt.u, got, err, tt.wire)
		}
		var back redcloud.NumberUpdate
		if err := json.Unmarshal([]byte(tt.wire), &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", tt.wire, err)
		}
		for name, p := range map[string][2]redcloud.Patch{
			"campaignregId":           {back.CampaignRegID, tt.u.CampaignRegID},
			"webhookInboundOverride":  {back.WebhookInboundOverride, tt.u.WebhookInboundOverride},
			"webhookDeliveryOverride": {back.WebhookDeliveryOverride, tt.u.WebhookDeliveryOverride},
		} {
			if !samePatch(p[0], p[1]) {
				t.Errorf("Unmarshal(%s): %s = %s, want %s", tt.wire, name, show(p[0]), show(p[1]))
			}
		}
	}
}

// TestPatchRejectsOtherTypes: a value that is neither a string nor null is
// a type error naming the field.
func TestPatchRejectsOtherTypes(t *testing.T) {
	for _, body := range []string{`{"campaignregId":5}`, `{"campaignregId":false}`, `{"campaignregId":{}}`, `{"campaignregId":["x"]}`} {
		var u redcloud.NumberUpdate
		err := json.Unmarshal([]byte(body), &u)
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) || te.Field != "campaignregId" {
			t.Errorf("Unmarshal(%s) = %v, want a type error on campaignregId", body, err)
		}
	}
}

func samePatch(a, b redcloud.Patch) bool {
	if a.Set != b.Set || (a.Value == nil) != (b.Value == nil) {
		return false
	}
	return a.Value == nil || *a.Value == *b.Value
}

func show(p redcloud.Patch) string {
	switch {
	case !p.Set:
		return "absent"
	case p.Value == nil:
		return "null"
	}
	return "set to " + *p.Value
}
