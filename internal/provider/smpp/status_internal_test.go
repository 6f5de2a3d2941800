package smpp

import (
	"testing"

	"github.com/linxGnu/gosmpp/data"

	"github.com/redcloud-core/redcloud"
)

// TestStatusRules pins the submit_sm_resp mapping the issue names (the
// README documents the whole table).
func TestStatusRules(t *testing.T) {
	for _, tc := range []struct {
		status  data.CommandStatusType
		outcome outcome
		code    string
		alert   bool
	}{
		{data.ESME_ROK, outcomeOK, "", false},
		{data.ESME_RTHROTTLED, outcomeThrottled, "", false},
		{data.ESME_RMSGQFUL, outcomeThrottled, "", false},
		{data.ESME_RSYSERR, outcomeTransient, "", false},
		{data.ESME_RSUBMITFAIL, outcomeTransient, "", false},
		{data.ESME_RINVDSTADR, outcomePermanent, redcloud.FailureInvalidDestination, false},
		{data.ESME_RINVDSTTON, outcomePermanent, redcloud.FailureInvalidDestination, false},
		{data.ESME_RINVDSTNPI, outcomePermanent, redcloud.FailureInvalidDestination, false},
		{data.ESME_RINVSRCADR, outcomePermanent, redcloud.FailureCarrierRejected, true},
		{data.ESME_RINVSRCTON, outcomePermanent, redcloud.FailureCarrierRejected, true},
		{data.ESME_RINVSRCNPI, outcomePermanent, redcloud.FailureCarrierRejected, true},
		{data.CommandStatusType(0x0400), outcomeTransient, "", false}, // vendor-specific
	} {
		r := ruleFor(tc.status)
		if r.outcome != tc.outcome || r.code != tc.code || r.alert != tc.alert {
			t.Errorf("ruleFor(%s) = %+v, want outcome %d code %q alert %v", statusName(tc.status), r, tc.outcome, tc.code, tc.alert)
		}
	}
	if got := providerCode(data.ESME_RINVDSTADR); got != "command_status 0x0000000B" {
		t.Errorf("providerCode = %q", got)
	}
	if got := statusName(data.ESME_RTHROTTLED); got != "ESME_RTHROTTLED" {
		t.Errorf("statusName = %q", got)
	}
	if got := statusName(data.CommandStatusType(0x0401)); got != "0x00000401" {
		t.Errorf("statusName of a vendor status = %q", got)
	}
	for _, s := range []data.CommandStatusType{data.ESME_RINVPASWD, data.ESME_RINVSYSID, data.ESME_RBINDFAIL} {
		if !credentialStatus(s) {
			t.Errorf("%s is not a credential refusal", statusName(s))
		}
	}
	if credentialStatus(data.ESME_RSYSERR) {
		t.Error("ESME_RSYSERR taken for a credential refusal")
	}
}
