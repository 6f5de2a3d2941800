package smsc

import (
	"regexp"
	"strconv"
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

func TestBindCredentials(t *testing.T) {
	s := Start(t, WithCredentials("acme", "pw1"))
	e := dial(t, s)
	if r := e.bind(pdu.Transceiver, "acme", "wrong"); r.CommandStatus != data.ESME_RINVPASWD {
		t.Fatalf("wrong password: status %v, want ESME_RINVPASWD", r.CommandStatus)
	}
	if r := e.bind(pdu.Transceiver, "nobody", "pw1"); r.CommandStatus != data.ESME_RBINDFAIL {
		t.Fatalf("unknown system_id: status %v, want ESME_RBINDFAIL", r.CommandStatus)
	}
	var last *esme
	for _, typ := range []pdu.BindingType{pdu.Transceiver, pdu.Transmitter, pdu.Receiver} {
		last = dial(t, s)
		if r := last.bind(typ, "acme", "pw1"); r.CommandStatus != data.ESME_ROK || r.SystemID == "" {
			t.Fatalf("bind %v: status %v system_id %q", typ, r.CommandStatus, r.SystemID)
		}
	}
	if r := last.bind(pdu.Receiver, "acme", "pw1"); r.CommandStatus != data.ESME_RALYBND {
		t.Fatalf("second bind on one link: status %v, want ESME_RALYBND", r.CommandStatus)
	}
	st := s.Stats()
	want := BindCounts{Transceiver: 1, Transmitter: 1, Receiver: 1}
	if st.Binds != want || st.Bound != want || st.BindFailures != 3 || st.ConnectionsOpen != 4 {
		t.Fatalf("stats %+v", st)
	}
	binds := s.Binds()
	if len(binds) != 6 || binds[0].Status != StatusInvPaswd || binds[1].Status != StatusBindFail || binds[2].Type != "transceiver" {
		t.Fatalf("binds %+v", binds)
	}

	// Credentials change at runtime; existing binds stay.
	s.SetCredentials("acme2", "pw2")
	if r := dial(t, s).bind(pdu.Transceiver, "acme", "pw1"); r.CommandStatus != data.ESME_RBINDFAIL {
		t.Fatalf("old credentials: status %v", r.CommandStatus)
	}
	if r := dial(t, s).bind(pdu.Transceiver, "acme2", "pw2"); r.CommandStatus != data.ESME_ROK {
		t.Fatalf("new credentials: status %v", r.CommandStatus)
	}
	if !strings.HasPrefix(s.URL(), "smpp://acme2:pw2@127.0.0.1:") {
		t.Fatalf("URL %q", s.URL())
	}
}

func TestMessageIDFormats(t *testing.T) {
	s := Start(t, WithIDFormat("hex"))
	e := bound(t, s, pdu.Transceiver)
	id := func() string {
		m := newSM("15551230001", "x")
		m.rd = 0
		r := e.submit(m)
		if r.CommandStatus != data.ESME_ROK {
			t.Fatalf("status %v", r.CommandStatus)
		}
		return r.MessageID
	}
	lowerHex := regexp.MustCompile(`^[0-9a-f]*[a-f][0-9a-f]*$`)
	if got := id(); !lowerHex.MatchString(got) {
		t.Fatalf("hex id %q, want hex with letters", got)
	}
	s.SetIDFormat("mixed")
	a, b := id(), id()
	dec := regexp.MustCompile(`^\d+$`)
	if dec.MatchString(a) == dec.MatchString(b) || !(lowerHex.MatchString(a) || lowerHex.MatchString(b)) {
		t.Fatalf("mixed ids %q %q, want one decimal and one hex", a, b)
	}
	s.SetIDFormat("dec")
	if got := id(); !dec.MatchString(got) {
		t.Fatalf("dec id %q", got)
	}
	s.Patch(map[string]any{"idFormat": "hex", "hexCase": "upper"})
	if got := id(); !regexp.MustCompile(`^[0-9A-F]*[A-F][0-9A-F]*$`).MatchString(got) {
		t.Fatalf("upper hex id %q", got)
	}
	ids := map[string]bool{}
	for _, sub := range s.Submits() {
		if ids[sub.MessageID] {
			t.Fatalf("duplicate id %q", sub.MessageID)
		}
		ids[sub.MessageID] = true
	}
}

func TestSubmitRecords(t *testing.T) {
	s := Start(t)
	e := bound(t, s, pdu.Transceiver)

	// UCS-2 with a concatenation UDH, from an alphanumeric sender.
	body, _ := data.UCS2.Encode("héllo ✓")
	m := newSM("15551230001", "")
	m.src, m.srcTON, m.srcNPI, m.esm, m.enc = "RedCloud", 5, 0, 0x40, data.UCS2
	m.ud = append([]byte{5, 0, 3, 0x7f, 2, 1}, body...)
	r1 := e.submit(m)

	// SAR TLVs.
	sar := newSM("15551230002", "part two")
	sar.tlvs = []pdu.Field{
		{Tag: pdu.TagSarMsgRefNum, Data: []byte{0x12, 0x34}},
		{Tag: pdu.TagSarTotalSegments, Data: []byte{2}},
		{Tag: pdu.TagSarSegmentSeqnum, Data: []byte{2}},
	}
	e.submit(sar)

	// message_payload with an empty short_message.
	pl := newSM("15551230003", "")
	pl.tlvs = []pdu.Field{{Tag: pdu.TagMessagePayload, Data: []byte(strings.Repeat("long ", 60))}}
	e.submit(pl)

	// data_sm.
	ds := pdu.NewDataSM().(*pdu.DataSM)
	ds.SourceAddr = pdu.NewAddressWithTonNpi(1, 1)
	_ = ds.SourceAddr.SetAddress("15550000001")
	ds.DestAddr = pdu.NewAddressWithTonNpi(1, 1)
	_ = ds.DestAddr.SetAddress("15551230004")
	ds.RegisteredDelivery = 1
	ds.RegisterOptionalParam(pdu.Field{Tag: pdu.TagMessagePayload, Data: []byte("via data-sm")})
	e.send(ds)
	if r := e.expect(data.DATA_SM_RESP, 2*time.Second).(*pdu.DataSMResp); r.CommandStatus != data.ESME_ROK || r.MessageID == "" {
		t.Fatalf("data_sm_resp: %v %q", r.CommandStatus, r.MessageID)
	}

	subs := s.Submits()
	if len(subs) != 4 {
		t.Fatalf("%d submits, want 4", len(subs))
	}
	u := subs[0]
	if u.SourceAddr != "RedCloud" || u.SourceTON != 5 || u.SourceNPI != 0 || u.DestTON != 1 || u.DataCoding != 8 ||
		u.ESMClass != 0x40 || u.RegisteredDelivery != 1 || u.UDHHex != "0500037f0201" ||
		u.Concat == nil || *u.Concat != (Concat{Ref: 0x7f, Total: 2, Seq: 1}) || u.Text != "héllo ✓" ||
		u.MessageID != r1.MessageID || u.Command != "submit_sm" || u.Session == 0 || u.Sequence == 0 {
		t.Fatalf("UCS-2 submit recorded as %+v", u)
	}
	if string(u.ShortMessage()) != string(m.ud) {
		t.Fatalf("short_message %x, want %x", u.ShortMessage(), m.ud)
	}
	if v := subs[1]; v.SARMsgRefNum == nil || *v.SARMsgRefNum != 0x1234 || *v.SARTotalSegments != 2 || *v.SARSegmentSeqnum != 2 {
		t.Fatalf("SAR submit recorded as %+v", v)
	}
	if v := subs[2]; v.ShortMessageHex != "" || v.Text != strings.Repeat("long ", 60) || v.MessagePayloadHex == "" {
		t.Fatalf("payload submit recorded as %+v", v)
	}
	if v := subs[3]; v.Command != "data_sm" || v.Text != "via data-sm" || v.MessageID == "" {
		t.Fatalf("data_sm recorded as %+v", v)
	}
	if got := s.SubmitsTo("15551230002"); len(got) != 1 || got[0].N != subs[1].N {
		t.Fatalf("SubmitsTo: %+v", got)
	}

	// A receiver bind may not submit.
	rx := bound(t, s, pdu.Receiver)
	if r := rx.submit(newSM("15551230005", "no")); r.CommandStatus != data.ESME_RINVBNDSTS {
		t.Fatalf("submit on a receiver bind: %v, want ESME_RINVBNDSTS", r.CommandStatus)
	}
	s.ResetSubmits()
	if got := s.Submits(); len(got) != 0 {
		t.Fatalf("after reset: %d submits", len(got))
	}
	if st := s.Stats(); st.Submits != 5 || st.SubmitsAccepted != 4 || st.SubmitsRejected != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestReceiptsByDestination(t *testing.T) {
	s := Start(t, WithFlags("--receipt", "15551230002=UNDELIV:034"))
	s.SetReceipt("15551230003", "REJECTD")
	s.SetReceipt("15551230004", "EXPIRED")
	s.SetReceipt("15551230005", "none")
	e := bound(t, s, pdu.Transceiver)
	cases := []struct {
		dest, stat, err string
		state           byte
	}{
		{"15551230001", "DELIVRD", "000", 2},
		{"15551230002", "UNDELIV", "034", 5},
		{"15551230003", "REJECTD", "001", 8},
		{"15551230004", "EXPIRED", "001", 3},
	}
	for _, c := range cases {
		r := e.submit(newSM(c.dest, "hi"))
		d := e.deliver(2 * time.Second)
		text, _ := d.Message.GetMessageData()
		if !strings.HasPrefix(string(text), "id:"+r.MessageID+" ") || !strings.Contains(string(text), " stat:"+c.stat+" err:"+c.err+" ") {
			t.Fatalf("%s: receipt %q, want stat %s err %s", c.dest, text, c.stat, c.err)
		}
		if f := d.OptionalParameters[pdu.TagMessageStateOption]; len(f.Data) != 1 || f.Data[0] != c.state {
			t.Fatalf("%s: message_state %v, want %d", c.dest, f.Data, c.state)
		}
	}
	// No receipt: by rule, when none was asked (registered_delivery 0), or
	// for a success when only failures were asked (2).
	e.submit(newSM("15551230005", "hi"))
	none := newSM("15551230001", "hi")
	none.rd = 0
	e.submit(none)
	failOnly := newSM("15551230001", "hi")
	failOnly.rd = 2
	e.submit(failOnly)
	e.expectSilence(300 * time.Millisecond)

	// Clearing a rule brings the default back; the default can change.
	s.SetReceipt("15551230005", "")
	s.SetReceiptDefault("UNDELIV")
	e.submit(newSM("15551230005", "hi"))
	d := e.deliver(2 * time.Second)
	if text, _ := d.Message.GetMessageData(); !strings.Contains(string(text), "stat:UNDELIV") {
		t.Fatalf("receipt %q, want UNDELIV", text)
	}
	if got := s.WaitDelivers("receipt", "acked", 5, 2*time.Second); len(got) != 5 {
		t.Fatalf("%d acked receipts", len(got))
	}
}

func TestReceiptStyles(t *testing.T) {
	s := Start(t, WithReceiptDelay(10*time.Millisecond))
	e := bound(t, s, pdu.Transceiver)
	off := false
	s.SetReceiptStyle(ReceiptStyle{TLV: &off, KeyCase: "upper", ID: "hex"})
	r := e.submit(newSM("15551230001", "stat:UNDELIV inside"))
	d := e.deliver(2 * time.Second)
	text, _ := d.Message.GetMessageData()
	var n uint64
	for _, c := range r.MessageID {
		n = n*10 + uint64(c-'0')
	}
	hexID := strings.ToLower(strconv.FormatUint(n, 16))
	want := regexp.MustCompile(`^ID:` + hexID + ` SUB:001 DLVRD:001 SUBMIT DATE:\d{10} DONE DATE:\d{10} STAT:DELIVRD ERR:000 TEXT:stat:UNDELIV inside$`)
	if !want.Match(text) {
		t.Fatalf("receipt %q, want %v", text, want)
	}
	if len(d.OptionalParameters) != 0 {
		t.Fatalf("TLVs %v, want none", d.OptionalParameters)
	}

	// Receipts as data_sm, TLVs on: the id re-encoded in the TLV too.
	on := true
	s.SetReceiptStyle(ReceiptStyle{TLV: &on, KeyCase: "lower", ID: "same", Via: "data_sm"})
	r = e.submit(newSM("15551230001", "hi"))
	ds := e.expect(data.DATA_SM, 2*time.Second).(*pdu.DataSM)
	e.send(ds.GetResponse())
	if ds.EsmClass != 0x04 || tlvString(ds.OptionalParameters, pdu.TagReceiptedMessageID) != r.MessageID ||
		!strings.HasPrefix(tlvString(ds.OptionalParameters, pdu.TagMessagePayload), "id:"+r.MessageID+" ") {
		t.Fatalf("data_sm receipt: esm %#x, TLVs %v", ds.EsmClass, ds.OptionalParameters)
	}
	s.WaitDelivers("receipt", "acked", 2, 2*time.Second)
}

func TestReceiptQueuedAndRedelivered(t *testing.T) {
	s := Start(t, WithFlags("--receipt-retry-ms", "100"))
	tx := bound(t, s, pdu.Transmitter)
	r := tx.submit(newSM("15551230001", "hi"))
	// No bind can receive: the receipt waits at the SMSC.
	s.WaitDelivers("receipt", "pending", 1, 2*time.Second)
	tx.expectSilence(200 * time.Millisecond)

	// A receiver binds: the receipt arrives. Unanswered, with the link
	// gone, it is delivered again on the next bind.
	rx := bound(t, s, pdu.Receiver)
	d := rx.expect(data.DELIVER_SM, 2*time.Second).(*pdu.DeliverSM)
	if got := tlvString(d.OptionalParameters, pdu.TagReceiptedMessageID); got != r.MessageID {
		t.Fatalf("receipt for %q, want %q", got, r.MessageID)
	}
	rx.conn.Close()
	got := s.WaitDelivers("receipt", "pending", 1, 2*time.Second)
	if got[0].Requeued != 1 || got[0].Attempts != 1 {
		t.Fatalf("after a lost link: %+v", got[0])
	}

	// An error answer (ESME_RX_T_APPN) is retried after receiptRetryMs.
	rx2 := bound(t, s, pdu.Transceiver)
	d = rx2.expect(data.DELIVER_SM, 2*time.Second).(*pdu.DeliverSM)
	nack := d.GetResponse()
	nack.(*pdu.DeliverSMResp).CommandStatus = data.ESME_RX_T_APPN
	rx2.send(nack)
	rx2.deliver(2 * time.Second)
	got = s.WaitDelivers("receipt", "acked", 1, 2*time.Second)
	if got[0].Attempts != 3 || got[0].MessageID != r.MessageID {
		t.Fatalf("acked receipt %+v, want 3 attempts", got[0])
	}
	if st := s.Stats(); st.ReceiptsSent != 3 || st.ReceiptsAcked != 1 || st.Pending != 0 {
		t.Fatalf("stats %+v", st)
	}
}
