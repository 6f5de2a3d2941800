package webhook_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redcloud-core/redcloud/webhook"
)

func seqEvent(messageID string, sequence int64) webhook.Event {
	return webhook.Event{EventID: fmt.Sprintf("evt_%s_%d", messageID, sequence), MessageID: messageID, Sequence: sequence}
}

func TestSequenceTrackerObserve(t *testing.T) {
	type obs struct {
		messageID string
		sequence  int64
		wantStale bool
	}
	tests := []struct {
		name string
		obs  []obs
	}{
		{name: "in order", obs: []obs{{"msg_a", 1, false}, {"msg_a", 2, false}, {"msg_a", 3, false}}},
		{name: "duplicate", obs: []obs{{"msg_a", 1, false}, {"msg_a", 2, false}, {"msg_a", 2, true}, {"msg_a", 3, false}, {"msg_a", 3, true}}},
		{name: "out of order", obs: []obs{{"msg_a", 1, false}, {"msg_a", 3, false}, {"msg_a", 2, true}, {"msg_a", 1, true}}},
		{name: "gap first", obs: []obs{{"msg_a", 2, false}, {"msg_a", 1, true}, {"msg_a", 3, false}}},
		{name: "separate messages", obs: []obs{{"msg_a", 1, false}, {"msg_b", 1, false}, {"msg_a", 3, false}, {"msg_b", 2, false}, {"msg_b", 1, true}, {"msg_a", 2, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := webhook.NewSequenceTracker()
			for i, o := range tt.obs {
				ev := seqEvent(o.messageID, o.sequence)
				if got := tr.Stale(ev); got != o.wantStale {
					t.Fatalf("step %d: Stale(%s #%d) = %v, want %v", i, o.messageID, o.sequence, got, o.wantStale)
				}
				if got := tr.Observe(ev); got != o.wantStale {
					t.Fatalf("step %d: Observe(%s #%d) = %v, want %v", i, o.messageID, o.sequence, got, o.wantStale)
				}
			}
		})
	}
}

func TestSequenceTrackerStaleDoesNotRecord(t *testing.T) {
	tr := webhook.NewSequenceTracker()
	if tr.Stale(seqEvent("msg_a", 2)) {
		t.Fatal("Stale on an empty tracker = true")
	}
	if tr.Observe(seqEvent("msg_a", 1)) {
		t.Fatal("Observe #1 after Stale #2 = stale; Stale must not record")
	}
}

func TestSequenceTrackerForgetAndZeroValue(t *testing.T) {
	var tr webhook.SequenceTracker // the zero value is ready to use
	if tr.Stale(seqEvent("msg_a", 1)) || tr.Observe(seqEvent("msg_a", 1)) {
		t.Fatal("first observation is stale")
	}
	if !tr.Observe(seqEvent("msg_a", 1)) {
		t.Fatal("repeat is not stale")
	}
	tr.Forget("msg_a")
	if tr.Observe(seqEvent("msg_a", 1)) {
		t.Fatal("observation after Forget is stale")
	}
}

func TestSequenceTrackerConcurrent(t *testing.T) {
	const (
		messages  = 20
		sequences = 3
		copies    = 8 // each event delivered this many times, concurrently
	)
	tr := webhook.NewSequenceTracker()
	var fresh [messages][sequences + 1]atomic.Int64
	var wg sync.WaitGroup
	for m := range messages {
		for c := range copies {
			wg.Go(func() {
				id := fmt.Sprintf("msg_%d", m)
				for s := int64(1); s <= sequences; s++ {
					if s%2 == int64(c%2) {
						tr.Stale(seqEvent(id, s))
					}
					if !tr.Observe(seqEvent(id, s)) {
						fresh[m][s].Add(1)
					}
				}
			})
		}
	}
	wg.Wait()

	// Each (message, sequence) is fresh at most once; the last one of each
	// message is fresh exactly once, and is what the tracker now holds.
	for m := range messages {
		id := fmt.Sprintf("msg_%d", m)
		for s := int64(1); s <= sequences; s++ {
			if got := fresh[m][s].Load(); got > 1 {
				t.Errorf("%s #%d fresh %d times, want at most once", id, s, got)
			}
		}
		if got := fresh[m][sequences].Load(); got != 1 {
			t.Errorf("%s #%d fresh %d times, want once", id, sequences, got)
		}
		if !tr.Stale(seqEvent(id, sequences)) || tr.Stale(seqEvent(id, sequences+1)) {
			t.Fatalf("%s: tracker does not hold sequence %d", id, sequences)
		}
	}
}

func TestSequenceTrackerConcurrentDuplicates(t *testing.T) {
	// Many concurrent copies of one event: exactly one is fresh.
	tr := webhook.NewSequenceTracker()
	var fresh atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if !tr.Observe(seqEvent("msg_a", 1)) {
				fresh.Add(1)
			}
		})
	}
	wg.Wait()
	if got := fresh.Load(); got != 1 {
		t.Fatalf("fresh observations = %d, want 1", got)
	}
}
