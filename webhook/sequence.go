package webhook

import "sync"

// SequenceTracker remembers the highest sequence seen per messageId, to tell
// whether an event is stale: a repeat, or a late arrival older than an event
// already handled. Red Cloud delivers events independently and at least
// once, so they may arrive twice or out of order; receivers order a
// message's events by sequence.
//
// A tracker complements de-duplication by EventID; it does not replace it:
// it only knows what it observed in this process, and forgets on restart.
// Receivers that must never process an event twice should record handled
// eventIds durably.
//
// Record an event with Observe only once it has been handled: an event
// whose handling failed is retried, and must not then be taken as stale.
// Check with Stale before handling.
//
// It is safe for concurrent use. Its memory grows with the number of
// messages observed; call Forget for messages no longer of interest. The
// zero value is ready to use.
type SequenceTracker struct {
	mu      sync.Mutex
	highest map[string]int64
}

// NewSequenceTracker returns an empty SequenceTracker.
func NewSequenceTracker() *SequenceTracker {
	return &SequenceTracker{highest: make(map[string]int64)}
}

// Observe records ev and reports whether it is stale: an event of the same
// MessageID with a sequence greater than or equal to ev.Sequence was already
// observed. A stale event does not change what is recorded.
func (t *SequenceTracker) Observe(ev Event) (stale bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.highest[ev.MessageID]; ok && last >= ev.Sequence {
		return true
	}
	if t.highest == nil {
		t.highest = make(map[string]int64)
	}
	t.highest[ev.MessageID] = ev.Sequence
	return false
}

// Stale reports whether Observe would report ev as stale, without recording
// it.
func (t *SequenceTracker) Stale(ev Event) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	last, ok := t.highest[ev.MessageID]
	return ok && last >= ev.Sequence
}

// Forget drops what was recorded for messageID, for example some time after
// its terminal event.
func (t *SequenceTracker) Forget(messageID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.highest, messageID)
}
