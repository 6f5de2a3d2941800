package smsc

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

// Each test starts its own simulator (about 100 ms) and drives it with a
// raw SMPP client (esme_test.go), so a simulator bug cannot hide behind the
// project's provider.

func TestBindSubmitReceipt(t *testing.T) {
	s := Start(t)
	e := bound(t, s, pdu.Transceiver)
	r := e.submit(newSM("15551230001", "hello"))
	if r.CommandStatus != data.ESME_ROK || !regexp.MustCompile(`^\d+$`).MatchString(r.MessageID) {
		t.Fatalf("submit_sm_resp: status %v id %q, want OK and a decimal id", r.CommandStatus, r.MessageID)
	}
	d := e.deliver(2 * time.Second)
	if d.EsmClass != 0x04 {
		t.Fatalf("receipt esm_class %#x, want 0x04", d.EsmClass)
	}
	text, _ := d.Message.GetMessageData()
	want := regexp.MustCompile(`^id:` + r.MessageID + ` sub:001 dlvrd:001 submit date:\d{10} done date:\d{10} stat:DELIVRD err:000 text:hello$`)
	if !want.Match(text) {
		t.Fatalf("receipt text %q, want %v", text, want)
	}
	if got := tlvString(d.OptionalParameters, pdu.TagReceiptedMessageID); got != r.MessageID {
		t.Fatalf("receipted_message_id %q, want %q", got, r.MessageID)
	}
	if f := d.OptionalParameters[pdu.TagMessageStateOption]; len(f.Data) != 1 || f.Data[0] != 2 {
		t.Fatalf("message_state %v, want [2] (DELIVERED)", f.Data)
	}
	if d.SourceAddr.Address() != "15551230001" || d.DestAddr.Address() != "15550000001" {
		t.Fatalf("receipt from %q to %q, want the submit's dest to its source", d.SourceAddr.Address(), d.DestAddr.Address())
	}
	ds := s.WaitDelivers("receipt", "acked", 1, 2*time.Second)
	if ds[0].MessageID != r.MessageID || ds[0].RespStatus == nil || *ds[0].RespStatus != 0 {
		t.Fatalf("deliver record %+v", ds[0])
	}
	subs := s.Submits()
	if len(subs) != 1 || subs[0].MessageID != r.MessageID || subs[0].Text != "hello" || subs[0].Receipt != "DELIVRD" {
		t.Fatalf("submits %+v", subs)
	}
	if strings.Contains(s.Log(), "error") {
		t.Fatalf("simulator logged an error:\n%s", s.Log())
	}
}
