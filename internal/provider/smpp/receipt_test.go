package smpp_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
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

// TestReceiptOvertakesSent: a receipt that reaches the platform before it
// recorded the send is asked again within milliseconds, not queued for the
// report loop (whose first retry comes after 100 ms at the soonest).
func TestReceiptOvertakesSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, smsc.WithReceiptDelay(0))
	e.sink.sendAfter = 5 * time.Millisecond
	e.waitBound(1)
	m := msg("+15551250030", "fast")
	// Not e.mustSend: the sink learns of the send only through sendAfter.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.prov.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	e.waitReceipt(m.ID)
	e.sink.mu.Lock()
	first, took := e.sink.refusedAt[m.ID], e.sink.deliveredAt[m.ID]
	e.sink.mu.Unlock()
	if first.IsZero() {
		t.Fatal("the receipt did not overtake the send (the sink never refused it)")
	}
	if gap := took.Sub(first); gap >= 100*time.Millisecond {
		t.Errorf("taken %v after its first refusal, want well under the report loop's 100 ms", gap)
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

// slowReceipts is a store whose receipt writes take a while, as commits do
// on a busy disk.
type slowReceipts struct {
	smpp.Store
	delay time.Duration
}

func (s slowReceipts) ApplySMPPReceipt(ctx context.Context, r platform.SMPPReceipt, leaseUntil time.Time) (bool, *platform.SMPPReport, error) {
	time.Sleep(s.delay)
	return s.Store.ApplySMPPReceipt(ctx, r, leaseUntil)
}

// TestSlowReceiptsDoNotStallSubmits: receipts whose store writes are slow
// do not hold up the submit_sm_resp read behind them on the link: 200
// sends finish long before 200 receipts could be written one window at a
// time.
func TestSlowReceiptsDoNotStallSubmits(t *testing.T) {
	t.Parallel()
	const n, delay = 200, time.Second
	e := newEnv(t, func(c *smpp.Config) { c.Store = slowReceipts{c.Store, delay} }, smsc.WithReceiptDelay(0))
	e.waitBound(1)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.send(msg(fmt.Sprintf("+1555126%04d", i), "r"), 20*time.Second); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// With 20 receipts handled at a time (twice the window of 10), the
	// last answers would wait for about (n-20)/20 × delay = 9 s.
	if took > 5*time.Second {
		t.Errorf("%d sends took %v behind slow receipt writes", n, took)
	}
	t.Logf("%d sends in %v", n, took.Round(time.Millisecond))
}
