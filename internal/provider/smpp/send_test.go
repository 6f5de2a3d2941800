package smpp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/smpp"
	"github.com/redcloud-core/redcloud/test/smsc"
)

// TestSubmitDelivered: a submit with the source and destination as the
// issue fixes them, its SMSC id recorded, and its DELIVRD receipt handed to
// the platform.
func TestSubmitDelivered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.waitBound(1)
	m := msg("+15551230001", "hello @ £ €")
	ref := e.mustSend(m)
	subs := e.smsc.SubmitsTo("15551230001")
	if len(subs) != 1 {
		t.Fatalf("%d submits, want 1", len(subs))
	}
	s := subs[0]
	if s.SourceAddr != "15550000001" || s.SourceTON != 1 || s.SourceNPI != 1 || s.DestTON != 1 || s.DestNPI != 1 ||
		s.RegisteredDelivery != 1 || s.DataCoding != 0 || s.ESMClass != 0 || s.Text != m.Text {
		t.Errorf("submit = %+v", s)
	}
	if ref != s.MessageID {
		t.Errorf("ref %q, want the SMSC id %q", ref, s.MessageID)
	}
	parts, err := e.db.SMPPParts(context.Background(), m.ID)
	if err != nil || len(parts) != 1 || parts[0].SMSCID != s.MessageID || parts[0].Provider != provName {
		t.Fatalf("stored parts %+v, %v", parts, err)
	}
	r := e.waitReceipt(m.ID)
	if !r.Delivered || r.ProviderRef != s.MessageID || r.FailureCode != "" {
		t.Errorf("receipt = %+v", r)
	}
	if e.counter(smpp.CounterSubmits) != 1 || e.counter(smpp.CounterSubmitOK) != 1 || e.counter(smpp.CounterReceipts) != 1 {
		t.Errorf("counters: submits %d ok %d receipts %d", e.counter(smpp.CounterSubmits), e.counter(smpp.CounterSubmitOK), e.counter(smpp.CounterReceipts))
	}
	// An alphanumeric sender: TON 5, NPI 0.
	a := msg("+15551230001", "hi")
	a.From = "ACME"
	e.mustSend(a)
	subs = e.smsc.SubmitsTo("15551230001")
	if last := subs[len(subs)-1]; last.SourceAddr != "ACME" || last.SourceTON != 5 || last.SourceNPI != 0 {
		t.Errorf("alphanumeric source: %q TON %d NPI %d", last.SourceAddr, last.SourceTON, last.SourceNPI)
	}
}

// TestReceiptFailures: failure receipts map to failure codes and keep the
// raw stat/err as the provider code; a destination without receipts gets
// none; a non-final receipt decides nothing.
func TestReceiptFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for dest, stat := range map[string]string{"15551230002": "UNDELIV:034", "15551230003": "REJECTD", "15551230004": "EXPIRED",
		"15551230005": "none", "15551230006": "ENROUTE", "15551230007": "UNKNOWN", "15551230008": "DELETED"} {
		e.smsc.SetReceipt(dest, stat)
	}
	e.waitBound(1)
	for _, tc := range []struct {
		dest, code, providerCode string
	}{
		{"15551230002", redcloud.FailureUndeliverable, "stat:UNDELIV err:034"},
		{"15551230003", redcloud.FailureCarrierRejected, "stat:REJECTD err:001"},
		{"15551230004", redcloud.FailureExpired, "stat:EXPIRED err:001"},
		{"15551230007", redcloud.FailureUndeliverable, "stat:UNKNOWN err:001"},
		{"15551230008", redcloud.FailureCarrierRejected, "stat:DELETED err:001"},
	} {
		m := msg("+"+tc.dest, "hi")
		e.mustSend(m)
		r := e.waitReceipt(m.ID)
		if r.Delivered || r.FailureCode != tc.code || r.ProviderCode != tc.providerCode {
			t.Errorf("%s: receipt %+v, want %s %q", tc.dest, r, tc.code, tc.providerCode)
		}
	}
	none, enroute := msg("+15551230005", "hi"), msg("+15551230006", "hi")
	e.mustSend(none)
	e.mustSend(enroute)
	e.smsc.WaitDelivers("receipt", "acked", 6, 5*time.Second) // the ENROUTE one is acknowledged too
	time.Sleep(300 * time.Millisecond)
	if got := e.sink.receiptsFor(none.ID); len(got) != 0 {
		t.Errorf("receipt for a destination without one: %+v", got)
	}
	if got := e.sink.receiptsFor(enroute.ID); len(got) != 0 {
		t.Errorf("a non-final receipt decided the message: %+v", got)
	}
	parts, _ := e.db.SMPPParts(context.Background(), enroute.ID)
	if len(parts) != 1 || parts[0].Status != "submitted" || parts[0].Stat != "stat:ENROUTE err:001" {
		t.Errorf("ENROUTE part = %+v", parts)
	}
}

// TestSubmitStatuses: destination errors are permanent INVALID_DESTINATION
// with the command_status; source errors permanent with an operator alert;
// system errors transient.
func TestSubmitStatuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.smsc.SetStatus("15551230010", smsc.StatusInvDstAdr)
	e.smsc.SetStatus("15551230011", smsc.StatusInvSrcAdr)
	e.smsc.SetStatus("15551230012", smsc.StatusSysErr)
	e.smsc.SetStatus("15551230013", smsc.StatusSubmitFail)
	e.waitBound(1)

	_, err := e.send(msg("+15551230010", "hi"), 5*time.Second)
	perm, ok := provider.IsPermanent(err)
	if !ok || perm.Code != redcloud.FailureInvalidDestination || perm.ProviderCode != "command_status 0x0000000B" {
		t.Fatalf("destination error: %v (%+v), want INVALID_DESTINATION command_status 0x0000000B", err, perm)
	}
	_, err = e.send(msg("+15551230011", "hi"), 5*time.Second)
	perm, ok = provider.IsPermanent(err)
	if !ok || perm.Code != redcloud.FailureCarrierRejected || perm.ProviderCode != "command_status 0x0000000A" {
		t.Fatalf("source error: %v, want CARRIER_REJECTED command_status 0x0000000A", err)
	}
	if e.counter(smpp.CounterSourceRejected) != 1 || !strings.Contains(e.log.String(), "level=ERROR") {
		t.Errorf("source error: alert counter %d, error logged %v", e.counter(smpp.CounterSourceRejected), strings.Contains(e.log.String(), "level=ERROR"))
	}
	for _, dest := range []string{"+15551230012", "+15551230013"} {
		_, err = e.send(msg(dest, "hi"), 5*time.Second)
		if _, perm := provider.IsPermanent(err); err == nil || perm {
			t.Errorf("%s: %v, want a transient error", dest, err)
		}
		if _, thr := provider.IsThrottled(err); thr {
			t.Errorf("%s: throttled, want transient", dest)
		}
	}
	// Not SMS, or not E.164: refused without a submit.
	mms := msg("+15551230014", "hi")
	mms.MessageType = "MMS"
	if _, err := e.send(mms, time.Second); err == nil {
		t.Error("MMS accepted")
	} else if p, ok := provider.IsPermanent(err); !ok || p.Code != redcloud.FailureContentRejected {
		t.Errorf("MMS: %v", err)
	}
	if _, err := e.send(msg("15551230014", "hi"), time.Second); err == nil {
		t.Error("a destination without + accepted")
	}
	if n := len(e.smsc.SubmitsTo("15551230014")); n != 0 {
		t.Errorf("%d submits for refused messages", n)
	}
}

// TestThrottle: ESME_RTHROTTLED and ESME_RMSGQFUL return a ThrottledError
// and pause the bind; after the pause submits flow again.
func TestThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.waitBound(1)
	for _, status := range []uint32{smsc.StatusThrottled, smsc.StatusMsgQFul} {
		e.smsc.Throttle(1, status)
		_, err := e.send(msg("+15551230020", "hi"), 5*time.Second)
		thr, ok := provider.IsThrottled(err)
		if !ok || thr.RetryAfter != 300*time.Millisecond {
			t.Fatalf("status %#x: %v, want ThrottledError after 300ms", status, err)
		}
		before := len(e.smsc.Submits())
		// Paused: refused at once, without a submit.
		if _, err := e.send(msg("+15551230020", "hi"), 5*time.Second); err == nil {
			t.Fatal("sent on a paused bind")
		} else if _, ok := provider.IsThrottled(err); !ok {
			t.Fatalf("paused bind: %v, want ThrottledError", err)
		}
		if n := len(e.smsc.Submits()); n != before {
			t.Errorf("a paused bind submitted")
		}
		time.Sleep(350 * time.Millisecond)
		e.mustSend(msg("+15551230020", "hi"))
	}
	if got := e.counter(smpp.CounterThrottled); got != 2 {
		t.Errorf("throttled counter %d, want 2", got)
	}
}

// TestLongText: a long text goes out as the parts redcloud.Segments
// reported, each its own submit_sm and SMSC id; DELIVERED once every part
// is, FAILED at the first failed part.
func TestLongText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("0123456789", 30) + "end" // 303 septets: 2 parts
	ucs := strings.Repeat("жё", 40)                  // 80 units: 2 parts
	for _, mode := range []string{"udh", "sar", "payload"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *smpp.Config) { c.Segmentation = mode })
			e.waitBound(1)
			for i, text := range []string{long, ucs} {
				dest := "1555124000" + string(rune('0'+i))
				m := msg("+"+dest, text)
				ref := e.mustSend(m)
				subs := e.smsc.SubmitsTo(dest)
				info := redcloud.Segments(text)
				want := info.Segments
				if mode == "payload" {
					want = 1
				}
				if len(subs) != want {
					t.Fatalf("%d submits, want %d", len(subs), want)
				}
				var joined strings.Builder
				for j, s := range subs {
					joined.WriteString(s.Text)
					switch mode {
					case "udh":
						if s.Concat == nil || s.Concat.Total != 2 || s.Concat.Seq != j+1 || s.Concat.Ref != subs[0].Concat.Ref || s.ESMClass&0x40 == 0 {
							t.Errorf("part %d: UDH %+v esm_class %#x", j+1, s.Concat, s.ESMClass)
						}
					case "sar":
						if s.SARTotalSegments == nil || *s.SARTotalSegments != 2 || *s.SARSegmentSeqnum != j+1 || *s.SARMsgRefNum != *subs[0].SARMsgRefNum {
							t.Errorf("part %d: SAR %v/%v/%v", j+1, s.SARMsgRefNum, s.SARTotalSegments, s.SARSegmentSeqnum)
						}
					case "payload":
						if s.MessagePayloadHex == "" || s.ShortMessageHex != "" {
							t.Errorf("payload: short_message %q payload %q", s.ShortMessageHex, s.MessagePayloadHex)
						}
					}
					if info.Encoding == redcloud.EncodingUCS2 && s.DataCoding != 8 {
						t.Errorf("UCS-2 part with data_coding %d", s.DataCoding)
					}
				}
				if joined.String() != text {
					t.Errorf("the SMSC decoded %q, want the text", joined.String())
				}
				parts, _ := e.db.SMPPParts(context.Background(), m.ID)
				if len(parts) != want || ref != subs[0].MessageID {
					t.Errorf("%d parts stored, ref %q; want %d, %q", len(parts), ref, want, subs[0].MessageID)
				}
				r := e.waitReceipt(m.ID)
				if !r.Delivered {
					t.Errorf("receipt %+v, want delivered", r)
				}
			}
		})
	}
	t.Run("failed part", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil)
		e.waitBound(1)
		// Every part goes to one destination: UNDELIV for all; the message
		// fails at the first failure, once.
		e.smsc.SetReceipt("15551240010", "UNDELIV")
		m := msg("+15551240010", long)
		e.mustSend(m)
		r := e.waitReceipt(m.ID)
		if r.Delivered || r.FailureCode != redcloud.FailureUndeliverable {
			t.Errorf("receipt %+v", r)
		}
		e.smsc.WaitDelivers("receipt", "acked", 2, 5*time.Second)
		time.Sleep(200 * time.Millisecond)
		if n := len(e.sink.receiptsFor(m.ID)); n != 1 {
			t.Errorf("%d receipts for one message, want 1", n)
		}
	})
}

// TestRetrySubmitsMissingParts: a retry submits only the parts without a
// recorded id; a retry of a message whose parts are all recorded submits
// nothing.
func TestRetrySubmitsMissingParts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.waitBound(1)
	long := strings.Repeat("x", 400) // 3 parts
	m := msg("+15551240020", long)
	e.smsc.Throttle(1, smsc.StatusThrottled) // part 1 throttled; 2 and 3 accepted
	_, err := e.send(m, 5*time.Second)
	if _, ok := provider.IsThrottled(err); !ok {
		t.Fatalf("first attempt: %v, want throttled", err)
	}
	parts, _ := e.db.SMPPParts(context.Background(), m.ID)
	if len(parts) != 2 {
		t.Fatalf("%d parts recorded after the throttled attempt, want 2", len(parts))
	}
	time.Sleep(350 * time.Millisecond)
	m.Attempt = 2
	ref := e.mustSend(m)
	subs := e.smsc.SubmitsTo("15551240020")
	if len(subs) != 4 { // 3 + the resent part 1
		t.Fatalf("%d submits, want 4", len(subs))
	}
	if subs[3].Concat == nil || subs[3].Concat.Seq != 1 || subs[3].Concat.Ref != subs[1].Concat.Ref || ref != subs[3].MessageID {
		t.Errorf("resent part: %+v (ref %q), want part 1 with the same reference", subs[3].Concat, ref)
	}
	m.Attempt = 3
	if again := e.mustSend(m); again != ref || len(e.smsc.SubmitsTo("15551240020")) != 4 {
		t.Errorf("a retry with every part recorded resubmitted (ref %q)", again)
	}
	if r := e.waitReceipt(m.ID); !r.Delivered {
		t.Errorf("receipt %+v", r)
	}
	if e.counter(smpp.CounterPossibleDuplicates) != 0 {
		t.Error("a throttled part's resend counted as a possible duplicate")
	}
}

// TestMaybeSentResend: a message a process that died had sent comes back
// with Attempt 1 and MaybeSent: the parts it recorded are not resent, the
// others are, each counted as a possible duplicate.
func TestMaybeSentResend(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.waitBound(1)
	m := msg("+15551240030", strings.Repeat("y", 400)) // 3 parts
	e.smsc.Throttle(1, smsc.StatusThrottled)           // part 1 not taken; 2 and 3 recorded
	if _, err := e.send(m, 5*time.Second); err == nil {
		t.Fatal("throttled attempt succeeded")
	}
	time.Sleep(350 * time.Millisecond) // the throttle pause
	m.MaybeSent = true                 // the claim after the process died: still attempt 1
	ref := e.mustSend(m)
	subs := e.smsc.SubmitsTo("15551240030")
	if len(subs) != 4 || subs[3].Concat == nil || subs[3].Concat.Seq != 1 || ref != subs[3].MessageID {
		t.Fatalf("%d submits (want 4: the 3 parts, then part 1 again); last %+v, ref %q", len(subs), subs[len(subs)-1].Concat, ref)
	}
	if got := e.counter(smpp.CounterPossibleDuplicates); got != 1 {
		t.Errorf("possible duplicates %d, want 1", got)
	}
	if r := e.waitReceipt(m.ID); !r.Delivered {
		t.Errorf("receipt %+v", r)
	}
}
