package smpp

import (
	"fmt"

	"github.com/linxGnu/gosmpp/data"

	"github.com/redcloud-core/redcloud"
)

// What a submit_sm_resp's command_status means for the message.
type outcome int

const (
	outcomeOK        outcome = iota
	outcomeThrottled         // the SMSC asks to slow down: pause the bind, requeue without an attempt
	outcomeTransient         // retried on the pipeline's schedule
	outcomePermanent         // the message fails with the rule's failure code
)

// statusRule is how one command_status is handled.
type statusRule struct {
	outcome outcome
	code    string // failure code, for outcomePermanent
	alert   bool   // the operator must act: logged at Error and counted
}

// statusRules maps submit_sm_resp command_status values (SMPP v3.4 §5.1.3)
// to outcomes; README "Connecting a carrier (SMPP)" has the same table. A
// status not listed (vendor-specific 0x400–0x4FF among them) is transient:
// the retry schedule bounds it, and a real refusal is not retried forever.
var statusRules = map[data.CommandStatusType]statusRule{
	data.ESME_ROK:        {outcome: outcomeOK},
	data.ESME_RTHROTTLED: {outcome: outcomeThrottled},
	data.ESME_RMSGQFUL:   {outcome: outcomeThrottled},

	data.ESME_RSYSERR:     {outcome: outcomeTransient},
	data.ESME_RSUBMITFAIL: {outcome: outcomeTransient},
	data.ESME_RINVBNDSTS:  {outcome: outcomeTransient}, // the link is in a wrong state: a rebind fixes it
	data.ESME_RX_T_APPN:   {outcome: outcomeTransient},
	data.ESME_RUNKNOWNERR: {outcome: outcomeTransient},

	data.ESME_RINVDSTADR:   {outcome: outcomePermanent, code: redcloud.FailureInvalidDestination},
	data.ESME_RINVDSTTON:   {outcome: outcomePermanent, code: redcloud.FailureInvalidDestination},
	data.ESME_RINVDSTNPI:   {outcome: outcomePermanent, code: redcloud.FailureInvalidDestination},
	data.ESME_RINVNUMDESTS: {outcome: outcomePermanent, code: redcloud.FailureInvalidDestination},

	data.ESME_RINVSRCADR: {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
	data.ESME_RINVSRCTON: {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
	data.ESME_RINVSRCNPI: {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},

	data.ESME_RINVMSGLEN:       {outcome: outcomePermanent, code: redcloud.FailureContentRejected},
	data.ESME_RX_R_APPN:        {outcome: outcomePermanent, code: redcloud.FailureContentRejected},
	data.ESME_RX_P_APPN:        {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected},
	data.ESME_RDELIVERYFAILURE: {outcome: outcomePermanent, code: redcloud.FailureUndeliverable},
	data.ESME_RPROVNOTALLWD:    {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},

	// The SMSC refuses a field of the submit itself: retrying the same
	// bytes cannot help, and the operator's settings (--segmentation,
	// --dcs0, --system-type) are the likely cause.
	data.ESME_RINVCMDLEN:       {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
	data.ESME_RINVCMDID:        {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
	data.ESME_RINVESMCLASS:     {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
	data.ESME_RINVSERTYP:       {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
	data.ESME_RINVREGDLVFLG:    {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
	data.ESME_RINVPRTFLG:       {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected},
	data.ESME_RINVSCHED:        {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected},
	data.ESME_RINVEXPIRY:       {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected},
	data.ESME_RINVOPTPARSTREAM: {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
	data.ESME_ROPTPARNOTALLWD:  {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
	data.ESME_RINVPARLEN:       {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
	data.ESME_RMISSINGOPTPARAM: {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
	data.ESME_RINVOPTPARAMVAL:  {outcome: outcomePermanent, code: redcloud.FailureCarrierRejected, alert: true},
}

// ruleFor returns the rule of command_status s.
func ruleFor(s data.CommandStatusType) statusRule {
	if r, ok := statusRules[s]; ok {
		return r
	}
	return statusRule{outcome: outcomeTransient}
}

// credentialStatus reports whether a bind refusal is about the credentials
// (or the account): retrying at once cannot succeed, so the bind waits the
// longest backoff.
func credentialStatus(s data.CommandStatusType) bool {
	switch s {
	case data.ESME_RINVPASWD, data.ESME_RINVSYSID, data.ESME_RBINDFAIL, data.ESME_RINVSYSTYP:
		return true
	}
	return false
}

// providerCode is a command_status as failure.providerCode reports it.
func providerCode(s data.CommandStatusType) string {
	return fmt.Sprintf("command_status 0x%08X", uint32(s))
}

// statusName is the SMPP name of s (ESME_RINVDSTADR), or its hex value.
func statusName(s data.CommandStatusType) string {
	if n := s.String(); n != "" && n[0] == 'E' {
		return n
	}
	return fmt.Sprintf("0x%08X", uint32(s))
}
