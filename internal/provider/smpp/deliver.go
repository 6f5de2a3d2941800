package smpp

import (
	"context"
	"strings"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// handleTimeout bounds the work behind one deliver_sm: store writes and
// the platform's sink. Past it the SMSC is told to deliver it again.
const handleTimeout = 15 * time.Second

// delivered is what a deliver_sm or data_sm carries, whichever it was.
type delivered struct {
	src, dst pdu.Address
	esm      byte
	coding   byte
	data     []byte // short_message or message_payload, user data header removed
	udh      pdu.UDH
	tlvs     map[pdu.Tag]pdu.Field
}

// onDeliver handles a deliver_sm or data_sm from the SMSC and returns the
// command_status of its answer: ESME_ROK once it is stored (a receipt) or
// taken by the platform (an inbound message); ESME_RX_T_APPN when that
// failed, so that the SMSC delivers it again.
func (p *Provider) onDeliver(bind int, f frame) data.CommandStatusType {
	var d delivered
	switch r := f.pdu.(type) {
	case *pdu.DeliverSM:
		d = delivered{src: r.SourceAddr, dst: r.DestAddr, esm: r.EsmClass, tlvs: r.OptionalParameters, udh: r.Message.UDH()}
		d.coding = deliverDataCoding(f.raw)
		d.data, _ = r.Message.GetMessageData()
	case *pdu.DataSM:
		d = delivered{src: r.SourceAddr, dst: r.DestAddr, esm: r.EsmClass, tlvs: r.OptionalParameters, coding: r.DataCoding}
	default:
		return data.ESME_RINVCMDID
	}
	if len(d.data) == 0 {
		if f, ok := d.tlvs[pdu.TagMessagePayload]; ok {
			d.data = f.Data
			if d.esm&esmUDHI != 0 && len(d.data) > 0 {
				var udh pdu.UDH
				n, err := udh.UnmarshalBinary(d.data)
				if err != nil {
					p.log.Warn("smpp: message_payload with a broken user data header", "provider", p.cfg.Name, "bind", bind, "err", err)
					return data.ESME_RX_P_APPN
				}
				d.udh, d.data = udh, d.data[n:]
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), handleTimeout)
	defer cancel()
	if d.esm&receiptTypes != 0 {
		return p.onReceipt(ctx, bind, d)
	}
	return p.onInbound(ctx, bind, d)
}

// onReceipt stores a delivery receipt against its part (or holds it until
// the part's id is recorded) and hands a decided outcome to the platform.
func (p *Provider) onReceipt(ctx context.Context, bind int, d delivered) data.CommandStatusType {
	name := p.cfg.Name
	text := string(d.data)
	if alphabet(d.coding) == codingUCS2 {
		text, _ = decodeText(d.data, d.coding, p.cfg.DCS0)
	}
	f := parseReceipt(text)
	id := f.ID
	if t, ok := d.tlvs[pdu.TagReceiptedMessageID]; ok && strings.Trim(string(t.Data), "\x00 ") != "" {
		id = string(t.Data)
	}
	stat := f.Stat
	if t, ok := d.tlvs[pdu.TagMessageStateOption]; stat == "" && ok && len(t.Data) == 1 {
		stat = messageStates[t.Data[0]]
	}
	ids := receiptIDs(id, p.cfg.DLRIDFormat)
	if len(ids) == 0 || stat == "" {
		// Delivering it again would not make it readable.
		p.cfg.Metrics.Add(name, CounterReceiptsBad, 1)
		p.log.Warn("smpp: receipt without an id or a stat; acknowledged and dropped", "provider", name, "bind", bind, "text", text)
		return data.ESME_ROK
	}
	rule, known := statOf(stat)
	if !known {
		p.log.Warn("smpp: receipt with an unknown stat, taken as not final", "provider", name, "stat", stat, "id", ids[0])
	}
	r := platform.SMPPReceipt{Provider: name, IDs: ids, Status: rule.status, Stat: rawCode(stat, f.Err), At: p.cfg.Now()}
	matched, report, err := p.cfg.Store.ApplySMPPReceipt(ctx, r, p.cfg.Now().Add(reportLease))
	if err != nil {
		p.log.Error("smpp: store receipt failed; the SMSC will deliver it again", "provider", name, "id", ids[0], "err", err)
		return data.ESME_RX_T_APPN
	}
	switch {
	case matched:
		p.cfg.Metrics.Add(name, CounterReceipts, 1)
	case rule.status != platform.PartSubmitted:
		p.cfg.Metrics.Add(name, CounterReceiptsHeld, 1)
		p.log.Info("smpp: receipt for an id not recorded yet; held", "provider", name, "id", ids[0], "stat", stat)
	}
	if report != nil {
		p.reportNow(*report)
	}
	return data.ESME_ROK
}

// deliverDataCoding reads a deliver_sm's data_coding from its frame: gosmpp
// keeps only the values it has a codec for, and the message classes and
// coding groups of TS 23.038 are not among them. The frame parsed already,
// so its fields are where the layout puts them.
func deliverDataCoding(raw []byte) byte {
	b := raw[16:]
	cstring := func() {
		for len(b) > 0 && b[0] != 0 {
			b = b[1:]
		}
		if len(b) > 0 {
			b = b[1:]
		}
	}
	skip := func(n int) { b = b[min(n, len(b)):] }
	cstring() // service_type
	skip(2)   // source_addr_ton, source_addr_npi
	cstring() // source_addr
	skip(2)   // dest_addr_ton, dest_addr_npi
	cstring() // destination_addr
	skip(3)   // esm_class, protocol_id, priority_flag
	cstring() // schedule_delivery_time
	cstring() // validity_period
	skip(2)   // registered_delivery, replace_if_present_flag
	if len(b) == 0 {
		return codingDefault
	}
	return b[0]
}
