package smpp

import (
	"testing"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

// TestDecodeText: the data_coding values of inbound messages.
func TestDecodeText(t *testing.T) {
	for _, tc := range []struct {
		name   string
		b      []byte
		coding byte
		dcs0   string
		want   string
	}{
		{"GSM unpacked", []byte{0x00, 0x48, 0x69, 0x1B, 0x65, 0x01}, 0, "gsm", "@Hi€£"},
		{"GSM as Latin-1", []byte("caf\xe9"), 0, "latin1", "café"},
		{"GSM as ASCII", []byte("hi!"), 0, "ascii", "hi!"},
		{"IA5", []byte("plain"), 1, "gsm", "plain"},
		{"Latin-1", []byte("\xa3\xe9"), 3, "gsm", "£é"},
		{"UCS-2 with a surrogate pair", []byte{0x04, 0x36, 0xD8, 0x3D, 0xDE, 0x1C}, 8, "gsm", "ж😜"},
		{"UCS-2 with a message class", []byte{0x00, 0x41}, 0x18, "gsm", "A"},
		{"GSM with a message class", []byte{0x48}, 0xF0, "gsm", "H"},
		{"Cyrillic", []byte{0xC4}, 6, "gsm", "Ф"},
		{"8-bit data read as Latin-1", []byte{0x41}, 4, "gsm", "A"},
	} {
		got, err := decodeText(tc.b, tc.coding, tc.dcs0)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := decodeText([]byte{0x00}, 8, "gsm"); err == nil {
		t.Error("odd-length UCS-2 accepted")
	}
}

// TestConcatOf: 8- and 16-bit UDH references and SAR TLVs.
func TestConcatOf(t *testing.T) {
	u8 := pdu.UDH{{ID: 0x00, Data: []byte{0x2A, 3, 2}}}
	if r, n, s := concatOf(u8, nil); r != 0x2A || n != 3 || s != 2 {
		t.Errorf("8-bit: %d %d %d", r, n, s)
	}
	u16 := pdu.UDH{{ID: 0x24, Data: []byte{1}}, {ID: 0x08, Data: []byte{0x12, 0x34, 4, 4}}}
	if r, n, s := concatOf(u16, nil); r != 0x1234 || n != 4 || s != 4 {
		t.Errorf("16-bit: %d %d %d", r, n, s)
	}
	sar := map[pdu.Tag]pdu.Field{
		pdu.TagSarMsgRefNum:     {Tag: pdu.TagSarMsgRefNum, Data: []byte{0x01, 0x02}},
		pdu.TagSarTotalSegments: {Tag: pdu.TagSarTotalSegments, Data: []byte{2}},
		pdu.TagSarSegmentSeqnum: {Tag: pdu.TagSarSegmentSeqnum, Data: []byte{1}},
	}
	if r, n, s := concatOf(nil, sar); r != 0x0102 || n != 2 || s != 1 {
		t.Errorf("SAR: %d %d %d", r, n, s)
	}
	if r, n, s := concatOf(nil, nil); r != -1 || n != 1 || s != 1 {
		t.Errorf("single: %d %d %d", r, n, s)
	}
}

// TestReassembler: parts in any order complete once; a repeated part is
// not counted twice; the bounds drop the oldest and the expired.
func TestReassembler(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	r := newReassembler(2, time.Minute)
	part := func(from string, ref, total, seq int, s string) moPart {
		return moPart{from: from, to: "+1555", ref: ref, total: total, seq: seq, data: []byte(s)}
	}
	if got, _ := r.add(part("+1", 7, 3, 3, "c"), t0); got != nil {
		t.Fatal("complete after 1 of 3")
	}
	if got, _ := r.add(part("+1", 7, 3, 3, "c"), t0); got != nil {
		t.Fatal("a repeated part completed the message")
	}
	r.add(part("+1", 7, 3, 1, "a"), t0)
	got, _ := r.add(part("+1", 7, 3, 2, "b"), t0)
	if len(got) != 3 || string(got[0].data)+string(got[1].data)+string(got[2].data) != "abc" {
		t.Fatalf("reassembled %+v", got)
	}
	if r.waiting() != 0 {
		t.Errorf("%d waiting after completion", r.waiting())
	}

	// The same ref from another sender is another message.
	r.add(part("+1", 9, 2, 1, "x"), t0)
	r.add(part("+2", 9, 2, 1, "y"), t0.Add(time.Second))
	if _, dropped := r.add(part("+3", 9, 2, 1, "z"), t0.Add(2*time.Second)); dropped != 1 || r.waiting() != 2 {
		t.Errorf("over the count bound: dropped %d, waiting %d", dropped, r.waiting())
	}
	if got, dropped := r.add(part("+1", 9, 2, 2, "x2"), t0.Add(3*time.Second)); got != nil || dropped != 1 {
		t.Errorf("the evicted (oldest) message: completed %v, dropped %d", got != nil, dropped)
	}
	if n := r.expire(t0.Add(2 * time.Minute)); n != 2 || r.waiting() != 0 {
		t.Errorf("expired %d, waiting %d", n, r.waiting())
	}
}

// TestJoinText: a UCS-2 surrogate pair split across parts still decodes.
func TestJoinText(t *testing.T) {
	parts := []moPart{{coding: 8, data: []byte{0x00, 0x61, 0xD8, 0x3D}}, {coding: 8, data: []byte{0xDE, 0x1C}}}
	if got, err := joinText(parts, "gsm"); err != nil || got != "a😜" {
		t.Errorf("joinText = %q, %v", got, err)
	}
	mixed := []moPart{{coding: 0, data: []byte{0x48}}, {coding: 8, data: []byte{0x04, 0x36}}}
	if got, err := joinText(mixed, "gsm"); err != nil || got != "Hж" {
		t.Errorf("joinText mixed = %q, %v", got, err)
	}
}

// TestAddressE164: numbers get their '+'; alphanumeric senders stay.
func TestAddressE164(t *testing.T) {
	for _, tc := range []struct {
		ton  byte
		addr string
		want string
	}{
		{data.GSM_TON_INTERNATIONAL, "15551234567", "+15551234567"},
		{data.GSM_TON_UNKNOWN, "15551234567", "+15551234567"},
		{data.GSM_TON_INTERNATIONAL, "+15551234567", "+15551234567"},
		{data.GSM_TON_ALPHANUMERIC, "ACME", "ACME"},
		{data.GSM_TON_NATIONAL, "5551234", "5551234"},
	} {
		a, _ := pdu.NewAddressWithTonNpiAddr(tc.ton, 1, tc.addr)
		if got := addressE164(a); got != tc.want {
			t.Errorf("addressE164(%d %q) = %q, want %q", tc.ton, tc.addr, got, tc.want)
		}
	}
}

// TestDeliverDataCoding reads data_coding from a marshalled deliver_sm,
// including a value gosmpp has no codec for.
func TestDeliverDataCoding(t *testing.T) {
	d := pdu.NewDeliverSM().(*pdu.DeliverSM)
	_ = d.SourceAddr.SetAddress("15551234567")
	_ = d.DestAddr.SetAddress("15550000001")
	d.ServiceType = "CMT"
	_ = d.Message.SetMessageDataWithEncoding([]byte{0x00, 0x41}, data.NewCustomEncoding(0x18, nil))
	buf := pdu.NewBuffer(nil)
	d.Marshal(buf)
	if got := deliverDataCoding(buf.Bytes()); got != 0x18 {
		t.Errorf("data_coding = %#x, want 0x18", got)
	}
}
