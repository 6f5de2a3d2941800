package smsc

import (
	"net"
	"os/exec"
	"path/filepath"
	"reflect"
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

func TestMO(t *testing.T) {
	t.Parallel()
	s := Start(t)
	// Queued until a bind can receive.
	r := s.SendMO(MO{From: "15557654321", To: "15550000001", Text: "Hi @ 5€ {ok}"})
	if r.Parts != 1 || len(r.Delivers) != 1 || r.Ref != nil {
		t.Fatalf("MO result %+v", r)
	}
	e := bound(t, s, pdu.Receiver)
	d := e.deliver(2 * time.Second)
	got, _ := d.Message.GetMessageWithEncoding(data.GSM7BIT)
	if d.EsmClass != 0 || d.Message.Encoding().DataCoding() != 0 || got != "Hi @ 5€ {ok}" ||
		d.SourceAddr.Address() != "15557654321" || d.SourceAddr.Ton() != 1 || d.DestAddr.Address() != "15550000001" {
		t.Fatalf("MO deliver_sm: esm %#x dc %d text %q from %q", d.EsmClass, d.Message.Encoding().DataCoding(), got, d.SourceAddr.Address())
	}

	// UCS-2 and Latin-1, from an alphanumeric sender.
	s.SendMO(MO{From: "Bank", To: "15550000001", Text: "Grüße ✓", DataCoding: 8})
	d = e.deliver(2 * time.Second)
	if got, _ := d.Message.GetMessageWithEncoding(data.UCS2); got != "Grüße ✓" || d.SourceAddr.Ton() != 5 || d.Message.Encoding().DataCoding() != 8 {
		t.Fatalf("UCS-2 MO %q ton %d", got, d.SourceAddr.Ton())
	}
	s.SendMO(MO{From: "15557654321", To: "15550000001", Text: "café", DataCoding: 3})
	d = e.deliver(2 * time.Second)
	if raw, _ := d.Message.GetMessageData(); string(raw) != "caf\xe9" {
		t.Fatalf("Latin-1 MO %x", raw)
	}

	// Three parts with a concatenation UDH.
	r = s.SendMO(MO{From: "15557654321", To: "15550000001", Text: "one two three four five six", Parts: 3})
	var text string
	for i := 1; i <= 3; i++ {
		d = e.deliver(2 * time.Second)
		total, seq, ref, ok := d.Message.UDH().GetConcatInfo()
		if d.EsmClass&0x40 == 0 || !ok || int(total) != 3 || int(seq) != i || r.Ref == nil || int(ref) != *r.Ref {
			t.Fatalf("part %d: esm %#x UDH total %d seq %d ref %d (want ref %v)", i, d.EsmClass, total, seq, ref, r.Ref)
		}
		part, _ := d.Message.GetMessageWithEncoding(data.GSM7BIT)
		text += part
	}
	if text != "one two three four five six" {
		t.Fatalf("parts join to %q", text)
	}

	// Two parts with SAR TLVs.
	r = s.SendMO(MO{From: "15557654321", To: "15550000001", Text: "first half second half", Parts: 2, SAR: true})
	for i := 1; i <= 2; i++ {
		d = e.deliver(2 * time.Second)
		ref := d.OptionalParameters[pdu.TagSarMsgRefNum].Data
		if d.EsmClass != 0 || len(ref) != 2 || int(ref[0])<<8|int(ref[1]) != *r.Ref ||
			d.OptionalParameters[pdu.TagSarTotalSegments].Data[0] != 2 || int(d.OptionalParameters[pdu.TagSarSegmentSeqnum].Data[0]) != i {
			t.Fatalf("SAR part %d: esm %#x TLVs %v", i, d.EsmClass, d.OptionalParameters)
		}
	}
	if got := s.WaitDelivers("mo", "acked", 8, 2*time.Second); len(got) != 8 {
		t.Fatalf("%d MO parts acked, want 8", len(got))
	}

	// Bad input: refused, nothing queued.
	for _, bad := range []MO{
		{From: "1555", To: "1555", Text: "✓", DataCoding: 0},
		{From: "1555", To: "1555", Text: "x", DataCoding: 2},
		{From: "", To: "1555", Text: "x"},
		{From: "1555", To: "1555", Text: "ab", Parts: 3},
		{From: "1555", To: "1555", Text: strings.Repeat("x", 300)},
	} {
		if err := s.Do("POST", "/mo", bad, nil); err == nil || !strings.Contains(err.Error(), "400") {
			t.Fatalf("MO %+v: err %v, want a 400", bad, err)
		}
	}
	if st := s.Stats(); st.MOSent != 8 || st.MOAcked != 8 || st.Pending != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	s := Start(t, WithFlags("--throttle", "1"))
	e := bound(t, s, pdu.Transceiver)
	status := func() data.CommandStatusType {
		m := newSM("15551230001", "x")
		m.rd = 0
		return e.submit(m).CommandStatus
	}
	if got := status(); got != data.ESME_RTHROTTLED {
		t.Fatalf("flag --throttle 1: %v", got)
	}
	if got := status(); got != data.ESME_ROK {
		t.Fatalf("after the throttled one: %v", got)
	}
	s.Throttle(2, StatusThrottled)
	for i := 0; i < 2; i++ {
		if got := status(); got != data.ESME_RTHROTTLED {
			t.Fatalf("throttled submit %d: %v", i, got)
		}
	}
	if got := status(); got != data.ESME_ROK {
		t.Fatalf("after 2: %v", got)
	}
	s.Throttle(-1, StatusMsgQFul)
	for i := 0; i < 5; i++ {
		if got := status(); got != data.ESME_RMSGQFUL {
			t.Fatalf("queue full %d: %v", i, got)
		}
	}
	s.Unthrottle()
	if got := status(); got != data.ESME_ROK {
		t.Fatalf("after Unthrottle: %v", got)
	}
	subs := s.Submits()
	if len(subs) != 11 || subs[0].Status != StatusThrottled || subs[0].MessageID != "" || subs[10].MessageID == "" {
		t.Fatalf("submits %+v", subs)
	}
}

func TestStatusByDestination(t *testing.T) {
	t.Parallel()
	s := Start(t, WithFlags("--status", "15551230009=ESME_RSUBMITFAIL"))
	s.SetStatus("15551230001", StatusInvDstAdr)
	s.SetStatus("15551230002", StatusSysErr)
	e := bound(t, s, pdu.Transceiver)
	for dest, want := range map[string]data.CommandStatusType{
		"15551230001": data.ESME_RINVDSTADR,
		"15551230002": data.ESME_RSYSERR,
		"15551230009": data.ESME_RSUBMITFAIL,
		"15551230003": data.ESME_ROK,
	} {
		if got := e.submit(newSM(dest, "x")).CommandStatus; got != want {
			t.Fatalf("%s: %v, want %v", dest, got, want)
		}
	}
	s.ClearStatus("15551230001")
	if got := e.submit(newSM("15551230001", "x")).CommandStatus; got != data.ESME_ROK {
		t.Fatalf("after ClearStatus: %v", got)
	}
	// A refused submit gets no receipt; the accepted ones do.
	e.deliver(2 * time.Second)
	e.deliver(2 * time.Second)
	e.expectSilence(200 * time.Millisecond)
	if got := len(s.Delivers("receipt")); got != 2 {
		t.Fatalf("%d receipts, want 2", got)
	}
}

func TestRespDelay(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.SetRespDelay(300 * time.Millisecond)
	e := bound(t, s, pdu.Transceiver)
	start := time.Now()
	e.send(newSM("15551230001", "one").pdu())
	e.send(newSM("15551230001", "two").pdu())
	a := e.expect(data.SUBMIT_SM_RESP, 2*time.Second).(*pdu.SubmitSMResp)
	b := e.expect(data.SUBMIT_SM_RESP, 2*time.Second).(*pdu.SubmitSMResp)
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("answered after %v, want >= 300ms", d)
	}
	subs := s.Submits()
	if a.MessageID != subs[0].MessageID || b.MessageID != subs[1].MessageID {
		t.Fatalf("answers out of order: %q %q for %q %q", a.MessageID, b.MessageID, subs[0].MessageID, subs[1].MessageID)
	}
}

func TestDrop(t *testing.T) {
	t.Parallel()
	s := Start(t)
	a := bound(t, s, pdu.Transceiver)
	b := bound(t, s, pdu.Receiver)
	if n := s.Drop(); n != 2 {
		t.Fatalf("dropped %d, want 2", n)
	}
	a.expectClosed(2 * time.Second)
	b.expectClosed(2 * time.Second)
	if st := s.Stats(); st.Drops != 1 || st.ConnectionsOpen != 0 {
		t.Fatalf("stats %+v", st)
	}
	bound(t, s, pdu.Transceiver) // the listener stays up
}

func TestSwallow(t *testing.T) {
	t.Parallel()
	s := Start(t)
	e := bound(t, s, pdu.Transceiver)
	s.Swallow(1, 300*time.Millisecond)
	e.send(newSM("15551230001", "lost answer").pdu())
	e.expectSilence(200 * time.Millisecond)
	e.expectClosed(2 * time.Second)
	subs := s.Submits()
	if len(subs) != 1 || !subs[0].Swallowed || subs[0].MessageID != "" || subs[0].Text != "lost answer" {
		t.Fatalf("swallowed submit recorded as %+v", subs)
	}
	// Only one: the next link answers.
	e = bound(t, s, pdu.Transceiver)
	if got := e.submit(newSM("15551230001", "again")).CommandStatus; got != data.ESME_ROK {
		t.Fatalf("after the swallow: %v", got)
	}
	if st := s.Stats(); st.SubmitsSwallowed != 1 || st.SubmitsAccepted != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFreeze(t *testing.T) {
	t.Parallel()
	// The receipt delay outlasts the Freeze call below even on a loaded
	// machine, so the receipt falls due while frozen.
	s := Start(t, WithFlags("--freeze"), WithReceiptDelay(400*time.Millisecond))
	// Frozen from the start: the TCP connection opens, the bind is not read.
	e := dial(t, s)
	b := pdu.NewBindTransceiver().(*pdu.BindRequest)
	b.SystemID, b.Password = DefaultSystemID, DefaultPassword
	e.send(b)
	e.expectSilence(300 * time.Millisecond)
	s.Unfreeze()
	if r := e.expect(data.BIND_TRANSCEIVER_RESP, 2*time.Second); r.GetHeader().CommandStatus != data.ESME_ROK {
		t.Fatalf("bind after unfreeze: %v", r.GetHeader().CommandStatus)
	}

	// Frozen while bound: no answer to a submit or enquire_link, no receipt.
	r := e.submit(newSM("15551230001", "before"))
	s.Freeze()
	e.expectSilence(300 * time.Millisecond) // the receipt of "before" is held
	e.send(newSM("15551230001", "during").pdu())
	e.send(pdu.NewEnquireLink())
	e.expectSilence(300 * time.Millisecond)
	if st := s.Stats(); !st.Frozen || st.ConnectionsOpen != 1 || st.Submits != 1 {
		t.Fatalf("stats while frozen %+v", st)
	}
	s.Unfreeze()
	e.expect(data.SUBMIT_SM_RESP, 2*time.Second)
	e.expect(data.ENQUIRE_LINK_RESP, 2*time.Second)
	if d := e.deliver(2 * time.Second); tlvString(d.OptionalParameters, pdu.TagReceiptedMessageID) != r.MessageID {
		t.Fatalf("held receipt %v", d.OptionalParameters)
	}
}

func TestRefuseAccept(t *testing.T) {
	t.Parallel()
	s := Start(t, WithFlags("--refuse"))
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); !isRefused(err) {
		t.Fatalf("dial while refusing: %v, want refused", err)
	}
	s.Accept()
	e := bound(t, s, pdu.Transceiver)
	s.Refuse()
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); !isRefused(err) {
		t.Fatalf("dial after Refuse: %v, want refused", err)
	}
	// Open links stay up.
	if got := e.submit(newSM("15551230001", "x")).CommandStatus; got != data.ESME_ROK {
		t.Fatalf("submit on an open link while refusing: %v", got)
	}
	s.Accept()
	bound(t, s, pdu.Transceiver)
}

func TestEnquireLink(t *testing.T) {
	t.Parallel()
	s := Start(t)
	e := bound(t, s, pdu.Transceiver)
	e.send(pdu.NewEnquireLink())
	e.expect(data.ENQUIRE_LINK_RESP, 2*time.Second)

	// The SMSC asks; the ESME answers.
	done := make(chan EnquireResult, 1)
	go func() {
		var r EnquireResult
		if err := s.Do("POST", "/enquire", map[string]any{"timeoutMs": 2000}, &r); err != nil {
			t.Error(err)
		}
		done <- r
	}()
	el := e.expect(data.ENQUIRE_LINK, 2*time.Second)
	e.send(el.GetResponse())
	if r := <-done; r.Sent != 1 || r.Answered != 1 || !r.Results[0].Answered {
		t.Fatalf("enquire result %+v", r)
	}
	// Unanswered: reported as such after the timeout.
	if r := s.Enquire(200 * time.Millisecond); r.Sent != 1 || r.Answered != 0 {
		t.Fatalf("unanswered enquire %+v", r)
	}
	if st := s.Stats(); st.EnquireLinks != 1 || st.EnquireSent != 2 || st.EnquireAnswered != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestUnbind(t *testing.T) {
	t.Parallel()
	s := Start(t)
	e := bound(t, s, pdu.Transceiver)
	e.send(pdu.NewUnbind())
	e.expect(data.UNBIND_RESP, 2*time.Second)
	e.expectClosed(2 * time.Second)
	if st := s.Stats(); st.Unbinds != 1 {
		t.Fatalf("stats %+v", st)
	}
	if bs := s.Binds(); len(bs) != 2 || bs[1].Op != "unbind" || bs[1].Type != "transceiver" {
		t.Fatalf("binds %+v", bs)
	}

	// The SMSC unbinds: the ESME answers and the link closes.
	e = bound(t, s, pdu.Transceiver)
	if n := s.Unbind(); n != 1 {
		t.Fatalf("unbound %d", n)
	}
	u := e.expect(data.UNBIND, 2*time.Second)
	e.send(u.GetResponse())
	e.expectClosed(2 * time.Second)
	if st := s.Stats(); st.UnbindsSent != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestKillRestart(t *testing.T) {
	t.Parallel()
	s := Start(t)
	port := s.Port()
	e := bound(t, s, pdu.Transceiver)
	e.submit(newSM("15551230001", "x"))
	s.Kill()
	e.expectClosed(2 * time.Second)
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); !isRefused(err) {
		t.Fatalf("dial after Kill: %v, want refused", err)
	}
	s.Restart()
	if s.Port() != port {
		t.Fatalf("port %d after restart, want %d", s.Port(), port)
	}
	bound(t, s, pdu.Transceiver)
	if got := s.Submits(); len(got) != 0 {
		t.Fatalf("a restarted SMSC remembers %d submits", len(got))
	}
}

// TestOwedReceiptAfterRestart: a restart with --id-start hands out new
// ids, and a receipt the killed run owed goes out when given back.
func TestOwedReceiptAfterRestart(t *testing.T) {
	t.Parallel()
	s := Start(t, WithFlags("--receipt-default", "none"))
	e := bound(t, s, pdu.Transceiver)
	r := e.submit(newSM("15551230001", "owed"))
	sub := s.Submits()[0]
	s.Kill()
	s.Restart(WithFlags("--id-start", "7000"))
	if err := s.Do("POST", "/receipt", OwedReceipt{MessageID: r.MessageID, From: "15551230001", To: sub.SourceAddr, Stat: "NOPE"}, nil); err == nil ||
		!strings.Contains(err.Error(), "400") {
		t.Fatalf("a bad stat: %v, want a 400", err)
	}
	e = bound(t, s, pdu.Transceiver)
	s.SendReceipt(OwedReceipt{MessageID: r.MessageID, From: sub.DestAddr, To: sub.SourceAddr, Stat: "UNDELIV:034", Text: "owed"})
	d := e.deliver(2 * time.Second)
	text, _ := d.Message.GetMessageData()
	if d.EsmClass != 0x04 || tlvString(d.OptionalParameters, pdu.TagReceiptedMessageID) != r.MessageID ||
		!strings.Contains(string(text), "stat:UNDELIV err:034 text:owed") ||
		d.SourceAddr.Address() != "15551230001" || d.DestAddr.Address() != sub.SourceAddr {
		t.Fatalf("owed receipt: esm %#x, text %q, from %q to %q", d.EsmClass, text, d.SourceAddr.Address(), d.DestAddr.Address())
	}
	if got := e.submit(newSM("15551230001", "new")).MessageID; got != "7000" {
		t.Fatalf("first id after the restart %q, want 7000", got)
	}
}

func TestBadSettingsChangeNothing(t *testing.T) {
	t.Parallel()
	s := Start(t)
	before := s.Config()
	for _, bad := range []map[string]any{
		{"idFormat": "octal"},
		{"idFormat": "hex", "receiptDelayMs": -1},
		{"receipts": map[string]any{"bad dest": "DELIVRD"}},
		{"receipts": map[string]any{"1555": "DELIVERED"}},
		{"statusByDest": map[string]any{"1555": "ESME_NOPE"}},
		{"throttle": "some"},
		{"password": "muchtoolong"},
		{"nope": 1},
	} {
		if err := s.Do("PATCH", "/config", bad, nil); err == nil || !strings.Contains(err.Error(), "400") {
			t.Fatalf("PATCH %v: err %v, want a 400", bad, err)
		}
	}
	if err := s.Do("GET", "/nowhere", nil, nil); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown route: %v", err)
	}
	if after := s.Config(); !reflect.DeepEqual(before, after) {
		t.Fatalf("config changed by bad requests:\n%+v\n%+v", before, after)
	}

	// A bad startup flag stops the simulator with a message.
	out, err := exec.Command("node", filepath.Join(s.dir, "server.js"), "--id-format", "octal").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "idFormat must be one of") {
		t.Fatalf("bad flag: %v %s", err, out)
	}
}

func TestMalformedAndUnknownPDUs(t *testing.T) {
	t.Parallel()
	s := Start(t)
	e := bound(t, s, pdu.Transceiver)
	// An unknown command gets generic_nack ESME_RINVCMDID; the link stays.
	if _, err := e.conn.Write([]byte{0, 0, 0, 16, 0, 0, 0x09, 0x99, 0, 0, 0, 0, 0, 0, 0, 7}); err != nil {
		t.Fatal(err)
	}
	if n := e.expect(data.GENERIC_NACK, 2*time.Second); n.GetHeader().CommandStatus != data.ESME_RINVCMDID {
		t.Fatalf("generic_nack status %v", n.GetHeader().CommandStatus)
	}
	if got := e.submit(newSM("15551230001", "x")).CommandStatus; got != data.ESME_ROK {
		t.Fatalf("after an unknown command: %v", got)
	}
	// An absurd command_length ends that link, not the simulator.
	if _, err := e.conn.Write([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4}); err != nil {
		t.Fatal(err)
	}
	e.expectClosed(2 * time.Second)
	bound(t, s, pdu.Transceiver)
}
