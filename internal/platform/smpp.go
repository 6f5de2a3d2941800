package platform

import (
	"sort"
	"time"
)

// States of an SMPP part (SMPPPart.Status).
const (
	PartSubmitted = "submitted" // accepted by the SMSC; no final receipt yet
	PartDelivered = "delivered"
	PartFailed    = "failed"
)

// SMPPPart is one submit_sm of a message sent over SMPP: a long text
// travels as several, each with its own SMSC id and receipt.
type SMPPPart struct {
	MessageID string
	PartNo    int // 1-based
	Parts     int // how many parts the message has
	Provider  string
	SMSCID    string // normalised (see the smpp package)
	Status    string // PartSubmitted, PartDelivered or PartFailed
	Stat      string // raw "stat:X err:Y" of the part's latest receipt
	Updated   time.Time
}

// SMPPReceipt is a delivery receipt as an SMPP provider parsed it.
type SMPPReceipt struct {
	Provider string
	// IDs are the normalised SMSC ids it may refer to, most likely first:
	// the receipt's own, then its hex or decimal reading.
	IDs    []string
	Status string // PartDelivered, PartFailed, or PartSubmitted (not final)
	Stat   string // raw "stat:X err:Y"
	At     time.Time
}

// SMPPReport is a message's final SMPP outcome, queued for the platform.
type SMPPReport struct {
	MessageID string
	Provider  string
	SMSCID    string // the part that decided it
	Delivered bool
	Stat      string // the deciding receipt's raw stat/err
	Attempts  int
}

// SMPPOutcome decides a message's fate from its parts, of which there are
// total: FAILED at the first failed part (by part number), DELIVERED when
// all total parts are delivered, else not final (ok false).
func SMPPOutcome(parts []SMPPPart, total int) (r SMPPReport, ok bool) {
	ps := append([]SMPPPart(nil), parts...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].PartNo < ps[j].PartNo })
	delivered := 0
	for _, p := range ps {
		switch p.Status {
		case PartFailed:
			return SMPPReport{MessageID: p.MessageID, Provider: p.Provider, SMSCID: p.SMSCID, Stat: p.Stat}, true
		case PartDelivered:
			delivered++
		}
	}
	if total < 1 || delivered < total || len(ps) == 0 {
		return SMPPReport{}, false
	}
	last := ps[len(ps)-1]
	return SMPPReport{MessageID: last.MessageID, Provider: last.Provider, SMSCID: ps[0].SMSCID, Delivered: true, Stat: last.Stat}, true
}
