package store

import (
	"sync/atomic"
	"testing"
)

// Wake-ups asked for while a NOTIFY is being sent are answered by one more
// NOTIFY, not one each, and Close still sends the one owed.
func TestNotifierCoalesces(t *testing.T) {
	t.Parallel()
	var sent atomic.Int32
	started, release := make(chan struct{}, 8), make(chan struct{})
	n := newNotifier(func() {
		sent.Add(1)
		started <- struct{}{}
		<-release
	})
	n.poke()
	<-started // the first NOTIFY is in flight
	for range 100 {
		n.poke()
	}
	close(release)
	n.wait()
	if got := sent.Load(); got != 2 {
		t.Fatalf("%d NOTIFYs for 101 wake-ups, 100 of them during the first; want 2", got)
	}
	n.poke()
	n.close()
	if got := sent.Load(); got != 3 {
		t.Fatalf("after a wake-up and Close: %d NOTIFYs, want 3 (Close sends what is owed)", got)
	}
}
