package smpp

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	"github.com/linxGnu/gosmpp/pdu"

	"github.com/redcloud-core/redcloud"
)

// esm_class bits (SMPP v3.4 §5.2.12).
const (
	esmUDHI      = 0x40 // short_message starts with a user data header
	esmReceipt   = 0x04 // SMSC delivery receipt
	esmSMEAck    = 0x08 // SME delivery acknowledgement
	esmInterim   = 0x20 // intermediate delivery notification
	receiptTypes = esmReceipt | esmSMEAck | esmInterim
)

// wirePart is the content of one submit_sm.
type wirePart struct {
	no, total int // 1-based part number, and how many parts
	coding    byte
	esmClass  byte
	short     []byte // short_message, with its UDH when esmClass has esmUDHI
	tlvs      []pdu.Field
}

// maxParts is the most parts a concatenated message can have (the UDH and
// SAR part numbers are one octet).
const maxParts = 255

// splitText turns message messageID's text into submit_sm contents: the
// parts of redcloud.Segments (the function that reports `segments` to the
// API), encoded for a link whose data_coding 0 is dcs0, carried per mode:
// "udh" (a 6-octet concatenation header), "sar" (the sar_* TLVs) or
// "payload" (one submit_sm whose message_payload holds every part). The
// concatenation reference is derived from messageID, so a retry that
// resends one part uses the reference its other parts went with.
func splitText(messageID, text, dcs0, mode string) ([]wirePart, error) {
	info := redcloud.Segments(text)
	enc, ucs2 := encoderFor(text, info.Encoding, dcs0)
	if ucs2 && info.Encoding != redcloud.EncodingUCS2 {
		info = redcloud.SegmentsUCS2(text)
	}
	if len(info.Parts) > maxParts {
		return nil, fmt.Errorf("text is %d SMS parts; SMPP concatenation allows at most %d", len(info.Parts), maxParts)
	}
	octets := make([][]byte, len(info.Parts))
	for i, p := range info.Parts {
		b, ok := enc.encode(p.Text)
		if !ok {
			return nil, fmt.Errorf("part %d cannot be encoded with data_coding %d", i+1, enc.coding)
		}
		octets[i] = b
	}
	if len(octets) == 1 {
		return []wirePart{{no: 1, total: 1, coding: enc.coding, short: octets[0]}}, nil
	}
	ref := concatRef(messageID)
	total := len(octets)
	switch mode {
	case "payload":
		var all []byte
		for _, b := range octets {
			all = append(all, b...)
		}
		return []wirePart{{no: 1, total: 1, coding: enc.coding,
			tlvs: []pdu.Field{{Tag: pdu.TagMessagePayload, Data: all}}}}, nil
	case "sar":
		out := make([]wirePart, total)
		refNum := binary.BigEndian.AppendUint16(nil, uint16(ref))
		for i, b := range octets {
			out[i] = wirePart{no: i + 1, total: total, coding: enc.coding, short: b, tlvs: []pdu.Field{
				{Tag: pdu.TagSarMsgRefNum, Data: refNum},
				{Tag: pdu.TagSarTotalSegments, Data: []byte{byte(total)}},
				{Tag: pdu.TagSarSegmentSeqnum, Data: []byte{byte(i + 1)}},
			}}
		}
		return out, nil
	default: // udh
		out := make([]wirePart, total)
		for i, b := range octets {
			udh := []byte{0x05, 0x00, 0x03, byte(ref), byte(total), byte(i + 1)}
			out[i] = wirePart{no: i + 1, total: total, coding: enc.coding, esmClass: esmUDHI, short: append(udh, b...)}
		}
		return out, nil
	}
}

// concatRef is message messageID's concatenation reference: a hash of its
// id, whose random part makes it as random as a fresh draw, but the same
// on every attempt.
func concatRef(messageID string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(messageID))
	return h.Sum32()
}
