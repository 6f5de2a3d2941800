package smpp

import (
	"context"
	"encoding/binary"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/redcloud-core/redcloud/internal/provider"
)

// Information elements of a user data header (3GPP TS 23.040 §9.2.3.24).
const (
	ieConcat8  = 0x00 // reference (1 octet), total, sequence
	ieConcat16 = 0x08 // reference (2 octets), total, sequence
)

// moPart is one inbound deliver_sm, and its place in a concatenated
// message (ref < 0: not concatenated).
type moPart struct {
	from, to   string
	coding     byte
	data       []byte
	ref        int
	total, seq int
}

// concatOf reads a part's concatenation from its user data header or, else,
// its sar_* TLVs; ref is -1 when it is a message of its own.
func concatOf(udh pdu.UDH, tlvs map[pdu.Tag]pdu.Field) (ref, total, seq int) {
	for _, ie := range udh {
		switch {
		case ie.ID == ieConcat8 && len(ie.Data) == 3:
			return int(ie.Data[0]), int(ie.Data[1]), int(ie.Data[2])
		case ie.ID == ieConcat16 && len(ie.Data) == 4:
			return int(binary.BigEndian.Uint16(ie.Data)), int(ie.Data[2]), int(ie.Data[3])
		}
	}
	r, okR := tlvs[pdu.TagSarMsgRefNum]
	t, okT := tlvs[pdu.TagSarTotalSegments]
	s, okS := tlvs[pdu.TagSarSegmentSeqnum]
	if okR && okT && okS && len(r.Data) == 2 && len(t.Data) == 1 && len(s.Data) == 1 {
		return int(binary.BigEndian.Uint16(r.Data)), int(t.Data[0]), int(s.Data[0])
	}
	return -1, 1, 1
}

// moKey names one concatenated message being reassembled.
type moKey struct {
	from, to   string
	ref, total int
}

type moGroup struct {
	parts map[int]moPart
	first time.Time
}

// reassembler holds the parts of concatenated inbound messages until all
// have arrived, bounded in count and in time: the oldest incomplete
// message goes first. Parts live in memory only; each is acknowledged when
// held, so a restart loses an incomplete message's earlier parts.
type reassembler struct {
	max int
	ttl time.Duration

	mu     sync.Mutex
	groups map[moKey]*moGroup
}

func newReassembler(max int, ttl time.Duration) *reassembler {
	return &reassembler{max: max, ttl: ttl, groups: map[moKey]*moGroup{}}
}

// add holds part; when it completes its message, it returns every part in
// order. dropped counts the incomplete messages evicted meanwhile.
func (r *reassembler) add(part moPart, now time.Time) (complete []moPart, dropped int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	dropped = r.expireLocked(now)
	k := moKey{part.from, part.to, part.ref, part.total}
	g := r.groups[k]
	if g == nil {
		for len(r.groups) >= r.max {
			r.evictOldestLocked()
			dropped++
		}
		g = &moGroup{parts: map[int]moPart{}, first: now}
		r.groups[k] = g
	}
	g.parts[part.seq] = part // a repeated part replaces itself
	if len(g.parts) < part.total {
		return nil, dropped
	}
	delete(r.groups, k)
	for _, p := range g.parts {
		complete = append(complete, p)
	}
	sort.Slice(complete, func(i, j int) bool { return complete[i].seq < complete[j].seq })
	return complete, dropped
}

// expire drops incomplete messages older than the bound; it returns how
// many.
func (r *reassembler) expire(now time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.expireLocked(now)
}

func (r *reassembler) expireLocked(now time.Time) int {
	n := 0
	for k, g := range r.groups {
		if now.Sub(g.first) >= r.ttl {
			delete(r.groups, k)
			n++
		}
	}
	return n
}

func (r *reassembler) evictOldestLocked() {
	var oldest moKey
	var at time.Time
	for k, g := range r.groups {
		if at.IsZero() || g.first.Before(at) {
			oldest, at = k, g.first
		}
	}
	delete(r.groups, oldest)
}

// waiting is how many incomplete messages are held.
func (r *reassembler) waiting() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.groups)
}

// joinText decodes reassembled parts: their octets joined first when they
// share a coding, so that a UCS-2 surrogate pair or a GSM escape split
// across parts by a careless sender still decodes.
func joinText(parts []moPart, dcs0 string) (string, error) {
	same := true
	for _, p := range parts[1:] {
		same = same && p.coding == parts[0].coding
	}
	if same {
		var all []byte
		for _, p := range parts {
			all = append(all, p.data...)
		}
		return decodeText(all, parts[0].coding, dcs0)
	}
	var sb strings.Builder
	for _, p := range parts {
		t, err := decodeText(p.data, p.coding, dcs0)
		if err != nil {
			return "", err
		}
		sb.WriteString(t)
	}
	return sb.String(), nil
}

// addressE164 is an SMPP address as the platform writes numbers: digits
// (with TON international or unknown; SMSCs use both for full numbers)
// become +digits; anything else (an alphanumeric sender) stays as it is.
func addressE164(a pdu.Address) string {
	s := strings.TrimPrefix(strings.TrimSpace(a.Address()), "+")
	if isDec(s) && (a.Ton() == data.GSM_TON_INTERNATIONAL || a.Ton() == data.GSM_TON_UNKNOWN) {
		return "+" + s
	}
	return a.Address()
}

// onInbound hands an inbound message to the platform, once all its parts
// are in. A part that completes nothing is acknowledged once held.
func (p *Provider) onInbound(ctx context.Context, bind int, d delivered) data.CommandStatusType {
	name := p.cfg.Name
	part := moPart{from: addressE164(d.src), to: addressE164(d.dst), coding: d.coding, data: d.data}
	part.ref, part.total, part.seq = concatOf(d.udh, d.tlvs)
	parts := []moPart{part}
	if part.ref >= 0 && part.total > 1 {
		if part.seq < 1 || part.seq > part.total {
			p.log.Warn("smpp: inbound part number out of range; refused", "provider", name, "bind", bind, "seq", part.seq, "total", part.total)
			return data.ESME_RX_P_APPN
		}
		var dropped int
		parts, dropped = p.mo.add(part, p.cfg.Now())
		if dropped > 0 {
			p.cfg.Metrics.Add(name, CounterInboundDropped, dropped)
			p.log.Warn("smpp: incomplete inbound messages dropped", "provider", name, "count", dropped)
		}
		if parts == nil {
			return data.ESME_ROK
		}
	}
	text, err := joinText(parts, p.cfg.DCS0)
	if err != nil {
		p.log.Warn("smpp: undecodable inbound message refused", "provider", name, "bind", bind, "coding", d.coding, "err", err)
		return data.ESME_RX_P_APPN
	}
	in := provider.Inbound{From: part.from, To: part.to, Text: text, At: p.cfg.Now()}
	if err := p.sink.Inbound(ctx, in); err != nil {
		p.log.Error("smpp: inbound message not taken; the SMSC will deliver it again", "provider", name, "err", err)
		// The SMSC delivers again only the part that completed the
		// message: hold the others again.
		for _, prev := range parts {
			if prev.seq != part.seq {
				p.mo.add(prev, p.cfg.Now())
			}
		}
		return data.ESME_RX_T_APPN
	}
	p.cfg.Metrics.Add(name, CounterInbound, 1)
	return data.ESME_ROK
}
