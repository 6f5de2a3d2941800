package smpp_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/smpp"
	"github.com/redcloud-core/redcloud/test/smsc"
)

// TestReceiptIDFormats: the SMSC answers submits with decimal, hex or
// mixed ids and writes receipt ids as it answered or re-encoded; each
// --dlr-id-format matches what it should, and a receipt it cannot match is
// held, not lost.
func TestReceiptIDFormats(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ids, receiptID string // simulator: submit ids, receipt ids
		tlv            bool
		keyCase, via   string
		match          map[string]bool // by --dlr-id-format
	}{
		{"dec", "same", true, "lower", "deliver_sm", map[string]bool{"auto": true, "dec": true, "hex": true}},
		{"hex", "same", true, "upper", "deliver_sm", map[string]bool{"auto": true, "dec": true, "hex": true}},
		{"mixed", "same", false, "upper", "data_sm", map[string]bool{"auto": true, "dec": true, "hex": true}},
		{"hex", "dec", true, "lower", "deliver_sm", map[string]bool{"auto": true, "dec": true, "hex": false}},
		{"hex", "dec", false, "lower", "deliver_sm", map[string]bool{"auto": true, "dec": true, "hex": false}},
		{"dec", "hex", false, "upper", "deliver_sm", map[string]bool{"auto": true, "dec": false, "hex": true}},
	} {
		for _, format := range []string{"auto", "dec", "hex"} {
			name := fmt.Sprintf("ids %s receipts %s tlv %v %s via %s/dlr-id-format %s", tc.ids, tc.receiptID, tc.tlv, tc.keyCase, tc.via, format)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, func(c *smpp.Config) { c.DLRIDFormat = format }, smsc.WithIDFormat(tc.ids))
				tlv := tc.tlv
				e.smsc.SetReceiptStyle(smsc.ReceiptStyle{TLV: &tlv, KeyCase: tc.keyCase, ID: tc.receiptID, Via: tc.via})
				e.waitBound(1)
				ms := []string{}
				for i := 0; i < 2; i++ { // two, so "mixed" shows both forms
					m := msg("+15551250001", "hi")
					e.mustSend(m)
					ms = append(ms, m.ID)
				}
				e.smsc.WaitDelivers("receipt", "acked", 2, 5*time.Second)
				if !tc.match[format] {
					time.Sleep(200 * time.Millisecond)
					for _, id := range ms {
						if got := e.sink.receiptsFor(id); len(got) != 0 {
							t.Errorf("matched %+v, want held", got)
						}
					}
					if got := e.counter(smpp.CounterReceiptsHeld); got != 2 {
						t.Errorf("held counter %d, want 2", got)
					}
					return
				}
				for _, id := range ms {
					if r := e.waitReceipt(id); !r.Delivered {
						t.Errorf("receipt %+v", r)
					}
				}
			})
		}
	}
}

// TestReceiptBeforeID: a receipt that overtakes its submit_sm_resp (the
// SMSC answers late, the receipt comes first) is held in the store, matched
// when the id is recorded, and reaches the platform once it recorded the
// send.
func TestReceiptBeforeID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, smsc.WithReceiptDelay(10*time.Millisecond))
	e.waitBound(1)
	e.smsc.SetRespDelay(500 * time.Millisecond)
	m := msg("+15551250010", "hi")
	e.mustSend(m)
	if e.counter(smpp.CounterReceiptsHeld) != 1 {
		t.Errorf("held counter %d, want 1 (the receipt came first)", e.counter(smpp.CounterReceiptsHeld))
	}
	r := e.waitReceipt(m.ID)
	if !r.Delivered {
		t.Errorf("receipt %+v", r)
	}
	e.sink.mu.Lock()
	refused := e.sink.refused
	e.sink.mu.Unlock()
	if refused == 0 {
		t.Log("the platform was never asked before the send was recorded (timing); the held path still ran")
	}
	parts, _ := e.db.SMPPParts(context.Background(), m.ID)
	if len(parts) != 1 || parts[0].Status != "delivered" {
		t.Errorf("part %+v", parts)
	}
}

// TestReceiptStoreFailure: a receipt the store cannot take is answered
// with ESME_RX_T_APPN, so that the SMSC delivers it again.
func TestReceiptStoreFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.smsc.Patch(map[string]any{"receiptRetryMs": 200})
	e.waitBound(1)
	m := msg("+15551250020", "hi")
	e.smsc.SetReceiptDelay(300 * time.Millisecond)
	e.mustSend(m)
	e.db.Close() // the database goes away before the receipt comes
	ds := e.smsc.WaitDelivers("receipt", "retry", 1, 5*time.Second)
	if ds[0].RespStatus == nil || *ds[0].RespStatus != 0x64 {
		t.Errorf("deliver_sm_resp status %v, want 0x64 (ESME_RX_T_APPN)", ds[0].RespStatus)
	}
	if got := e.sink.receiptsFor(m.ID); len(got) != 0 {
		t.Errorf("a receipt that was not stored reached the platform: %+v", got)
	}
}

// TestReceiptOnAnotherProcess: the receipt of a message one process sent
// arrives at another (the first stopped meanwhile); the lookup goes
// through the database, so the second reports it.
func TestReceiptOnAnotherProcess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, smsc.WithReceiptDelay(700*time.Millisecond))
	e.waitBound(1)
	m := msg("+15551250030", "hi")
	e.mustSend(m)
	e.prov.Stop() // process A goes away before the receipt

	other := newSink()
	other.markSent(m.ID)
	cfg := e.cfg
	cfg.OnBindState = nil
	b, err := smpp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	var got []provider.Receipt
	eventually(t, 10*time.Second, func() bool { got = other.receiptsFor(m.ID); return len(got) == 1 },
		func() string { return "process B got no receipt" })
	if !got[0].Delivered {
		t.Errorf("receipt %+v", got[0])
	}
	if n := len(e.sink.receiptsFor(m.ID)); n != 0 {
		t.Errorf("the stopped process reported %d receipts", n)
	}
}
