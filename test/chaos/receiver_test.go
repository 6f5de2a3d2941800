package chaos_test

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redcloud-core/redcloud/webhook"
)

// Receiver modes: up, or one of the ways it is down during an outage.
const (
	receiverUp          = iota
	receiverUnavailable // answers 503
	receiverClosing     // closes the connection without an answer
	receiverSlow        // takes the delivery but answers after the webhook timeout
)

var modeNames = map[int32]string{receiverUnavailable: "503", receiverClosing: "close", receiverSlow: "slow"}

// slowAnswer is how long the slow mode waits before its 204: beyond the
// dispatcher's webhook timeout (half the 2 s lease), so the attempt fails
// although the receiver took the event, and the event comes again.
const slowAnswer = 1500 * time.Millisecond

// received is what the receiver learnt of one event.
type received struct {
	hash      [32]byte // of the first body taken
	messageID string
	typ       string
	sequence  int
	taken     int // deliveries taken (answered 2xx)
}

// receiver is the customer's webhook endpoint: it verifies every delivery
// and records the events it took, by eventId.
type receiver struct {
	mode atomic.Int32

	mu        sync.Mutex
	secret    string
	events    map[string]*received
	requests  int // every request
	refused   int // answered non-2xx or closed, during outages
	badSig    int // signature did not verify
	badHeader int // X-RedCloud-Event-Id or -Type differs from the body
	changed   int // a second delivery of an event with other bytes
	outages   map[string]int
}

func newReceiver() *receiver {
	return &receiver{events: map[string]*received{}, outages: map[string]int{}}
}

func (rc *receiver) setSecret(s string) {
	rc.mu.Lock()
	rc.secret = s
	rc.mu.Unlock()
}

// down starts an outage in mode; up ends it.
func (rc *receiver) down(mode int32) {
	rc.mu.Lock()
	rc.outages[modeNames[mode]]++
	rc.mu.Unlock()
	rc.mode.Store(mode)
}

func (rc *receiver) up() { rc.mode.Store(receiverUp) }

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	mode := rc.mode.Load()
	rc.mu.Lock()
	rc.requests++
	secret := rc.secret
	rc.mu.Unlock()
	sigErr := webhook.Verify([]string{secret}, r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), body, time.Now(), 0)
	var ev struct {
		EventID   string `json:"eventId"`
		Type      string `json:"type"`
		MessageID string `json:"messageId"`
		Sequence  int    `json:"sequence"`
	}
	jsonErr := json.Unmarshal(body, &ev)
	headerOK := jsonErr == nil && ev.EventID != "" && r.Header.Get(webhook.HeaderEventID) == ev.EventID &&
		r.Header.Get(webhook.HeaderEventType) == ev.Type
	switch mode {
	case receiverUnavailable:
		rc.refuse(sigErr, headerOK)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "receiver down for maintenance", http.StatusServiceUnavailable)
		return
	case receiverClosing:
		rc.refuse(sigErr, headerOK)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case receiverSlow:
		time.Sleep(slowAnswer)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if sigErr != nil || !headerOK {
		// A receiver refuses what it cannot verify; the checks count it.
		if sigErr != nil {
			rc.badSig++
		} else {
			rc.badHeader++
		}
		http.Error(w, "unverified", http.StatusUnauthorized)
		return
	}
	h := sha256.Sum256(body)
	e := rc.events[ev.EventID]
	if e == nil {
		e = &received{hash: h, messageID: ev.MessageID, typ: ev.Type, sequence: ev.Sequence}
		rc.events[ev.EventID] = e
	} else if e.hash != h {
		rc.changed++
	}
	e.taken++
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) refuse(sigErr error, headerOK bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.refused++
	if sigErr != nil {
		rc.badSig++
	} else if !headerOK {
		rc.badHeader++
	}
}
