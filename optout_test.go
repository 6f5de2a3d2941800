package redcloud_test

import (
	"net/http"
	"testing"

	"github.com/redcloud-core/redcloud"
)

// TestOptOuts drives the opt-out calls against the real server: add, list,
// a send that skips the opted-out recipient, remove; a STOP's entry cannot
// be removed by the client.
func TestOptOuts(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	person, other := "+15557000021", "+15557000022"

	o, err := c.AddOptOut(e.ctx, person)
	if err != nil || o.E164 != person || o.Source != redcloud.OptOutAPI {
		t.Fatalf("AddOptOut = %+v, %v", o, err)
	}
	page, err := c.OptOuts(e.ctx, 0, "")
	if err != nil || len(page.OptOuts) != 1 || page.NextCursor != nil {
		t.Fatalf("OptOuts = %+v, %v", page, err)
	}
	res, err := c.Send(e.ctx, sms(redcloud.SandboxNumberID, "hi", person, other))
	if err != nil || len(res.Results) != 1 || len(res.Errors) != 1 ||
		res.Errors[0].Reason != redcloud.ReasonRecipientOptedOut || res.Errors[0].Code != redcloud.CodeForbidden {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	if err := c.RemoveOptOut(e.ctx, person); err != nil {
		t.Fatalf("RemoveOptOut: %v", err)
	}

	if _, err := c.SandboxInbound(e.ctx, redcloud.SandboxInbound{NumberID: redcloud.SandboxNumberID, From: other, Text: "stop"}); err != nil {
		t.Fatal(err)
	}
	err = c.RemoveOptOut(e.ctx, other)
	if ae := asAPIError(t, err); ae.StatusCode != http.StatusConflict || ae.Details["reason"] != "keyword_opt_out" {
		t.Errorf("RemoveOptOut of a keyword opt-out: %v", err)
	}
}
