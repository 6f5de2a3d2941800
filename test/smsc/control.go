package smsc

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"time"
)

// SMPP command_status values the simulator is told to answer with.
const (
	StatusOK           uint32 = 0x00
	StatusSysErr       uint32 = 0x08 // ESME_RSYSERR
	StatusInvSrcAdr    uint32 = 0x0A // ESME_RINVSRCADR
	StatusInvDstAdr    uint32 = 0x0B // ESME_RINVDSTADR
	StatusBindFail     uint32 = 0x0D // ESME_RBINDFAIL
	StatusInvPaswd     uint32 = 0x0E // ESME_RINVPASWD
	StatusMsgQFul      uint32 = 0x14 // ESME_RMSGQFUL
	StatusSubmitFail   uint32 = 0x45 // ESME_RSUBMITFAIL
	StatusThrottled    uint32 = 0x58 // ESME_RTHROTTLED
	StatusInvBndSts    uint32 = 0x04 // ESME_RINVBNDSTS
	StatusAlreadyBound uint32 = 0x05 // ESME_RALYBND
)

// Config is the simulator's settings (GET /config); README.md explains each.
type Config struct {
	SystemID       string            `json:"systemId"`
	Password       string            `json:"password"`
	IDFormat       string            `json:"idFormat"`
	IDStart        int64             `json:"idStart"`
	HexCase        string            `json:"hexCase"`
	ReceiptDefault string            `json:"receiptDefault"`
	Receipts       map[string]string `json:"receipts"`
	ReceiptDelayMs int               `json:"receiptDelayMs"`
	ReceiptTLV     bool              `json:"receiptTlv"`
	ReceiptKeyCase string            `json:"receiptKeyCase"`
	ReceiptID      string            `json:"receiptId"`
	ReceiptVia     string            `json:"receiptVia"`
	ReceiptRetryMs int               `json:"receiptRetryMs"`
	RespDelayMs    int               `json:"respDelayMs"`
	StatusByDest   map[string]uint32 `json:"statusByDest"`
	Throttle       int               `json:"throttle"`
	ThrottleStatus uint32            `json:"throttleStatus"`
	Swallow        int               `json:"swallow"`
	SwallowCloseMs int               `json:"swallowCloseMs"`
	Frozen         bool              `json:"frozen"`
	Refusing       bool              `json:"refusing"`
}

// Submit is one submit_sm or data_sm as the simulator received it.
type Submit struct {
	N                  int       `json:"n"`
	Time               time.Time `json:"time"`
	Session            int       `json:"session"`
	Command            string    `json:"command"` // submit_sm | data_sm
	Sequence           uint32    `json:"sequence"`
	ServiceType        string    `json:"serviceType"`
	SourceAddr         string    `json:"sourceAddr"`
	SourceTON          uint8     `json:"sourceTon"`
	SourceNPI          uint8     `json:"sourceNpi"`
	DestAddr           string    `json:"destAddr"`
	DestTON            uint8     `json:"destTon"`
	DestNPI            uint8     `json:"destNpi"`
	ESMClass           uint8     `json:"esmClass"`
	RegisteredDelivery uint8     `json:"registeredDelivery"`
	DataCoding         uint8     `json:"dataCoding"`
	ShortMessageHex    string    `json:"shortMessageHex"`
	MessagePayloadHex  string    `json:"messagePayloadHex"`
	UDHHex             string    `json:"udhHex"`       // with its length octet; "" without UDHI
	Concat             *Concat   `json:"concat"`       // from the UDH
	Text               string    `json:"text"`         // decoded by data_coding, UDH removed
	SARMsgRefNum       *int      `json:"sarMsgRefNum"` // sar_* TLVs when present
	SARTotalSegments   *int      `json:"sarTotalSegments"`
	SARSegmentSeqnum   *int      `json:"sarSegmentSeqnum"`
	Status             uint32    `json:"status"`    // command_status answered
	MessageID          string    `json:"messageId"` // "" unless accepted
	IDNumber           int64     `json:"idNumber"`
	Swallowed          bool      `json:"swallowed"` // received, never answered
	Receipt            string    `json:"receipt"`   // stat scheduled, "" for none
}

// ShortMessage returns the raw short_message octets.
func (s Submit) ShortMessage() []byte {
	b, _ := hex.DecodeString(s.ShortMessageHex)
	return b
}

// Concat is a concatenation element of a UDH.
type Concat struct {
	Ref   int `json:"ref"`
	Total int `json:"total"`
	Seq   int `json:"seq"`
}

// Deliver is a deliver_sm (or data_sm) the simulator sends: a receipt or an
// MO part, with its delivery state: pending (no receiving bind yet), sent
// (awaiting its resp), acked, or retry (the ESME answered an error).
type Deliver struct {
	N           int       `json:"n"`
	Time        time.Time `json:"time"`
	Kind        string    `json:"kind"` // receipt | mo
	Command     string    `json:"command"`
	SourceAddr  string    `json:"sourceAddr"`
	DestAddr    string    `json:"destAddr"`
	ESMClass    uint8     `json:"esmClass"`
	DataCoding  uint8     `json:"dataCoding"`
	UserDataHex string    `json:"userDataHex"`
	// Receipts.
	MessageID string `json:"messageId"`
	Submit    int    `json:"submit"`
	Stat      string `json:"stat"`
	Err       string `json:"err"`
	Text      string `json:"text"`
	// MO.
	From  string `json:"from"`
	To    string `json:"to"`
	Part  int    `json:"part"`
	Parts int    `json:"parts"`
	// Delivery.
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	Requeued   int       `json:"requeued"` // resent after its link closed unanswered
	Session    int       `json:"session"`
	Sequence   uint32    `json:"sequence"`
	SentAt     time.Time `json:"sentAt"`
	RespStatus *uint32   `json:"respStatus"`
	AckedAt    time.Time `json:"ackedAt"`
}

// Bind is a bind attempt (Op "bind") or an unbind from the ESME (Op "unbind").
type Bind struct {
	N                int       `json:"n"`
	Time             time.Time `json:"time"`
	Session          int       `json:"session"`
	Op               string    `json:"op"`
	Type             string    `json:"type"` // transceiver | transmitter | receiver
	SystemID         string    `json:"systemId"`
	SystemType       string    `json:"systemType"`
	InterfaceVersion int       `json:"interfaceVersion"`
	Status           uint32    `json:"status"`
}

// Session is an open connection.
type Session struct {
	ID          int       `json:"id"`
	Remote      string    `json:"remote"`
	OpenedAt    time.Time `json:"openedAt"`
	Bound       string    `json:"bound"` // "" when not bound
	SystemID    string    `json:"systemId"`
	Doomed      bool      `json:"doomed"` // swallowed a submit, closing
	Outstanding int       `json:"outstanding"`
}

// BindCounts counts binds by type.
type BindCounts struct {
	Transceiver int `json:"transceiver"`
	Transmitter int `json:"transmitter"`
	Receiver    int `json:"receiver"`
}

// Stats is GET /stats. Binds counts successful binds since start; Bound the
// binds open now.
type Stats struct {
	ConnectionsOpen  int        `json:"connectionsOpen"`
	ConnectionsTotal int        `json:"connectionsTotal"`
	Binds            BindCounts `json:"binds"`
	Bound            BindCounts `json:"bound"`
	BindFailures     int        `json:"bindFailures"`
	Unbinds          int        `json:"unbinds"`
	UnbindsSent      int        `json:"unbindsSent"`
	EnquireLinks     int        `json:"enquireLinks"` // received from the ESME
	EnquireSent      int        `json:"enquireSent"`
	EnquireAnswered  int        `json:"enquireAnswered"`
	Submits          int        `json:"submits"`
	SubmitsAccepted  int        `json:"submitsAccepted"`
	SubmitsRejected  int        `json:"submitsRejected"`
	SubmitsSwallowed int        `json:"submitsSwallowed"`
	ReceiptsSent     int        `json:"receiptsSent"` // attempts
	ReceiptsAcked    int        `json:"receiptsAcked"`
	MOSent           int        `json:"moSent"`
	MOAcked          int        `json:"moAcked"`
	Pending          int        `json:"pending"`
	Drops            int        `json:"drops"`
	Frozen           bool       `json:"frozen"`
	Refusing         bool       `json:"refusing"`
}

// MO is a mobile-originated message to push. DataCoding is 0 (GSM), 1
// (ASCII), 3 (Latin-1) or 8 (UCS-2); Parts > 1 splits it into concatenated
// parts, with UDH or, with SAR, sar_* TLVs.
type MO struct {
	From       string `json:"from"`
	To         string `json:"to"`
	Text       string `json:"text"`
	DataCoding int    `json:"dataCoding"`
	Parts      int    `json:"parts,omitempty"`
	SAR        bool   `json:"sar,omitempty"`
}

// MOResult names the deliver records (Deliver.N) of the parts and the
// concatenation reference used.
type MOResult struct {
	Parts    int   `json:"parts"`
	Ref      *int  `json:"ref"`
	Delivers []int `json:"delivers"`
}

// Enquire is one enquire_link sent to the ESME.
type Enquire struct {
	N        int       `json:"n"`
	Time     time.Time `json:"time"`
	Session  int       `json:"session"`
	Answered bool      `json:"answered"`
	RTTMs    *int      `json:"rttMs"`
}

// EnquireResult is the outcome of Enquire.
type EnquireResult struct {
	Sent     int       `json:"sent"`
	Answered int       `json:"answered"`
	Results  []Enquire `json:"results"`
}

// Config returns the current settings.
func (s *SMSC) Config() Config {
	s.t.Helper()
	var c Config
	s.must("GET", "/config", nil, &c)
	return c
}

// Patch changes settings by their JSON names (see Config); a map value of
// nil removes one destination from receipts or statusByDest.
func (s *SMSC) Patch(settings map[string]any) {
	s.t.Helper()
	s.must("PATCH", "/config", settings, nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := settings["systemId"].(string); ok {
		s.opts.systemID = v
	}
	if v, ok := settings["password"].(string); ok {
		s.opts.password = v
	}
}

// SetCredentials changes what binds must present (existing binds stay).
func (s *SMSC) SetCredentials(systemID, password string) {
	s.t.Helper()
	s.Patch(map[string]any{"systemId": systemID, "password": password})
}

// SetIDFormat sets the message id format: dec, hex or mixed.
func (s *SMSC) SetIDFormat(format string) {
	s.t.Helper()
	s.Patch(map[string]any{"idFormat": format})
}

// SetReceipt sets the receipt for one destination: a stat (DELIVRD,
// UNDELIV, REJECTD, EXPIRED, ...), optionally with its err ("UNDELIV:034"),
// or "none". An empty stat removes the rule (the default applies again).
func (s *SMSC) SetReceipt(dest, stat string) {
	s.t.Helper()
	var v any = stat
	if stat == "" {
		v = nil
	}
	s.Patch(map[string]any{"receipts": map[string]any{dest: v}})
}

// SetReceiptDefault sets the receipt for destinations without a rule.
func (s *SMSC) SetReceiptDefault(stat string) {
	s.t.Helper()
	s.Patch(map[string]any{"receiptDefault": stat})
}

// SetReceiptDelay sets the delay between a submit and its receipt.
func (s *SMSC) SetReceiptDelay(d time.Duration) {
	s.t.Helper()
	s.Patch(map[string]any{"receiptDelayMs": d.Milliseconds()})
}

// SetRespDelay delays every submit's answer by d (a slow SMSC).
func (s *SMSC) SetRespDelay(d time.Duration) {
	s.t.Helper()
	s.Patch(map[string]any{"respDelayMs": d.Milliseconds()})
}

// ReceiptStyle is how receipts look; empty fields keep their setting.
type ReceiptStyle struct {
	TLV     *bool  // receipted_message_id + message_state TLVs (default on)
	KeyCase string // lower (id:, stat:) or upper (ID:, STAT:)
	ID      string // same (as submit_sm_resp), dec or hex (the id re-encoded)
	Via     string // deliver_sm or data_sm
}

// SetReceiptStyle changes the shape of receipts.
func (s *SMSC) SetReceiptStyle(r ReceiptStyle) {
	s.t.Helper()
	p := map[string]any{}
	if r.TLV != nil {
		p["receiptTlv"] = *r.TLV
	}
	if r.KeyCase != "" {
		p["receiptKeyCase"] = r.KeyCase
	}
	if r.ID != "" {
		p["receiptId"] = r.ID
	}
	if r.Via != "" {
		p["receiptVia"] = r.Via
	}
	s.Patch(p)
}

// SetStatus makes submits to dest answer with status (e.g. StatusInvDstAdr).
func (s *SMSC) SetStatus(dest string, status uint32) {
	s.t.Helper()
	s.Patch(map[string]any{"statusByDest": map[string]any{dest: status}})
}

// ClearStatus removes the status rule of dest.
func (s *SMSC) ClearStatus(dest string) {
	s.t.Helper()
	s.Patch(map[string]any{"statusByDest": map[string]any{dest: nil}})
}

// Throttle answers the next n submits (n < 0: all, until Unthrottle) with
// status (StatusThrottled or StatusMsgQFul).
func (s *SMSC) Throttle(n int, status uint32) {
	s.t.Helper()
	var count any = n
	if n < 0 {
		count = "all"
	}
	s.must("POST", "/throttle", map[string]any{"count": count, "status": status}, nil)
}

// Unthrottle ends throttling.
func (s *SMSC) Unthrottle() {
	s.t.Helper()
	s.must("DELETE", "/throttle", nil, nil)
}

// Swallow leaves the next n submits unanswered and closes each one's
// connection closeAfter later.
func (s *SMSC) Swallow(n int, closeAfter time.Duration) {
	s.t.Helper()
	s.must("POST", "/swallow", map[string]any{"count": n, "closeAfterMs": closeAfter.Milliseconds()}, nil)
}

// Drop closes every connection now and returns how many there were.
func (s *SMSC) Drop() int {
	s.t.Helper()
	var r struct{ Dropped int }
	s.must("POST", "/drop", nil, &r)
	return r.Dropped
}

// Freeze stops reading and writing on every connection (they stay open);
// Unfreeze resumes.
func (s *SMSC) Freeze() {
	s.t.Helper()
	s.must("POST", "/freeze", nil, nil)
}

// Unfreeze resumes after Freeze.
func (s *SMSC) Unfreeze() {
	s.t.Helper()
	s.must("POST", "/unfreeze", nil, nil)
}

// Refuse closes the listener (new connections are refused; open ones stay);
// Accept listens again on the same port.
func (s *SMSC) Refuse() {
	s.t.Helper()
	s.must("POST", "/refuse", nil, nil)
}

// Accept listens again after Refuse.
func (s *SMSC) Accept() {
	s.t.Helper()
	s.must("POST", "/accept", nil, nil)
}

// SendMO pushes a mobile-originated message to the receiving binds (queued
// until one binds).
func (s *SMSC) SendMO(m MO) MOResult {
	s.t.Helper()
	var r MOResult
	s.must("POST", "/mo", m, &r)
	return r
}

// OwedReceipt is a receipt for a submit an earlier run of the simulator
// took (Submit.MessageID, with the submit's addresses: From is the
// handset, Submit.DestAddr; To is the ESME's, Submit.SourceAddr). Stat is
// as in SetReceipt ("DELIVRD", "UNDELIV:034"); empty means DELIVRD.
type OwedReceipt struct {
	MessageID  string `json:"messageId"`
	From       string `json:"from"`
	To         string `json:"to"`
	Stat       string `json:"stat,omitempty"`
	Text       string `json:"text,omitempty"`
	SubmitTime string `json:"submitTime,omitempty"`
}

// SendReceipt queues a receipt a killed run of the simulator owed: a
// restart forgets them, a carrier's SMSC does not. It returns the deliver
// record's number (Deliver.N).
func (s *SMSC) SendReceipt(r OwedReceipt) int {
	s.t.Helper()
	var out struct{ Deliver int }
	s.must("POST", "/receipt", r, &out)
	return out.Deliver
}

// Enquire sends enquire_link on every bound link and waits up to timeout
// for the answers.
func (s *SMSC) Enquire(timeout time.Duration) EnquireResult {
	s.t.Helper()
	var r EnquireResult
	s.must("POST", "/enquire", map[string]any{"timeoutMs": timeout.Milliseconds()}, &r)
	return r
}

// Unbind sends unbind on every bound link (the SMSC closing them) and
// returns how many.
func (s *SMSC) Unbind() int {
	s.t.Helper()
	var r struct{ Unbound int }
	s.must("POST", "/unbind", nil, &r)
	return r.Unbound
}

// Submits returns every submit received (oldest first).
func (s *SMSC) Submits() []Submit {
	s.t.Helper()
	var r []Submit
	s.must("GET", "/submits", nil, &r)
	return r
}

// SubmitsTo returns the submits to one destination.
func (s *SMSC) SubmitsTo(dest string) []Submit {
	s.t.Helper()
	var r []Submit
	s.must("GET", "/submits?dest="+url.QueryEscape(dest), nil, &r)
	return r
}

// ResetSubmits forgets the recorded submits.
func (s *SMSC) ResetSubmits() {
	s.t.Helper()
	s.must("DELETE", "/submits", nil, nil)
}

// Delivers returns the receipts and MO parts; kind "" for both.
func (s *SMSC) Delivers(kind string) []Deliver {
	s.t.Helper()
	var r []Deliver
	path := "/delivers"
	if kind != "" {
		path += "?kind=" + url.QueryEscape(kind)
	}
	s.must("GET", path, nil, &r)
	return r
}

// Binds returns the bind attempts and unbinds.
func (s *SMSC) Binds() []Bind {
	s.t.Helper()
	var r []Bind
	s.must("GET", "/binds", nil, &r)
	return r
}

// Sessions returns the open connections.
func (s *SMSC) Sessions() []Session {
	s.t.Helper()
	var r []Session
	s.must("GET", "/sessions", nil, &r)
	return r
}

// Stats returns the counters.
func (s *SMSC) Stats() Stats {
	s.t.Helper()
	var r Stats
	s.must("GET", "/stats", nil, &r)
	return r
}

// WaitSubmits polls until at least n submits are recorded and returns them.
func (s *SMSC) WaitSubmits(n int, timeout time.Duration) []Submit {
	s.t.Helper()
	var got []Submit
	s.wait(timeout, func() bool { got = s.Submits(); return len(got) >= n },
		func() string { return fmt.Sprintf("%d submits, want %d", len(got), n) })
	return got
}

// WaitDelivers polls until at least n delivers of kind ("" any) are in
// state ("" any) and returns them.
func (s *SMSC) WaitDelivers(kind, state string, n int, timeout time.Duration) []Deliver {
	s.t.Helper()
	var got []Deliver
	s.wait(timeout, func() bool {
		got = got[:0]
		for _, d := range s.Delivers(kind) {
			if state == "" || d.State == state {
				got = append(got, d)
			}
		}
		return len(got) >= n
	}, func() string { return fmt.Sprintf("%d %s delivers in state %q, want %d", len(got), kind, state, n) })
	return got
}

func (s *SMSC) wait(timeout time.Duration, done func() bool, what func() string) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			s.t.Fatalf("smsc: after %v: %s", timeout, what())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
