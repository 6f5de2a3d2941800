package smpp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/smpp"
	"github.com/redcloud-core/redcloud/test/smsc"
)

// TestInbound: single and concatenated inbound messages in every data
// coding the simulator sends reach the platform once, whole, with E.164
// numbers.
func TestInbound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.waitBound(1)
	long := strings.Repeat("a long reply that needs parts. ", 12) // 372 characters
	cases := []smsc.MO{
		{Text: "Hello @£€ Δ", DataCoding: 0},
		{Text: "plain ascii", DataCoding: 1},
		{Text: "café £5", DataCoding: 3},
		{Text: "привет 😜", DataCoding: 8},
		{Text: long, DataCoding: 0, Parts: 3},
		{Text: long, DataCoding: 0, Parts: 3, SAR: true},
		{Text: strings.Repeat("ж", 150), DataCoding: 8, Parts: 3},
	}
	for i, mo := range cases {
		mo.From, mo.To = "1555765432"+string(rune('0'+i)), "15550000001"
		e.smsc.SendMO(mo)
		var got []provider.Inbound
		eventually(t, 5*time.Second, func() bool { got = e.sink.inbounds(); return len(got) == i+1 },
			func() string { return "inbound messages " + string(rune('0'+len(got))) })
		in := got[i]
		if in.Text != mo.Text || in.From != "+"+mo.From || in.To != "+15550000001" || in.At.IsZero() {
			t.Errorf("case %d: inbound %+v, want %q from +%s", i, in, mo.Text, mo.From)
		}
	}
	e.smsc.WaitDelivers("mo", "acked", 1+1+1+1+3+3+3, 5*time.Second)
	if got := e.counter(smpp.CounterInbound); got != int64(len(cases)) {
		t.Errorf("inbound counter %d, want %d", got, len(cases))
	}
}

// TestInboundRedelivered: an inbound message the platform cannot take is
// answered ESME_RX_T_APPN; the SMSC's redelivery completes it, once.
func TestInboundRedelivered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.smsc.Patch(map[string]any{"receiptRetryMs": 200})
	e.waitBound(1)
	e.sink.mu.Lock()
	e.sink.inboundErr = 1
	e.sink.mu.Unlock()
	text := strings.Repeat("two parts ", 20)
	e.smsc.SendMO(smsc.MO{From: "15557654321", To: "15550000001", Text: text, DataCoding: 0, Parts: 2})
	eventually(t, 5*time.Second, func() bool { return len(e.sink.inbounds()) == 1 }, func() string { return "not redelivered" })
	if got := e.sink.inbounds()[0].Text; got != text {
		t.Errorf("text %q", got)
	}
	retried := false
	for _, d := range e.smsc.Delivers("mo") {
		retried = retried || d.Attempts > 1
	}
	if !retried {
		t.Error("no part was delivered twice")
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(e.sink.inbounds()); n != 1 {
		t.Errorf("%d inbound messages, want 1", n)
	}
}
