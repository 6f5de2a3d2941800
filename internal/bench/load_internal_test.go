package bench

import (
	"context"
	"testing"
	"time"
)

// Answers that arrive after the window's end count in its last second: the
// timeline has one entry per measured second and no partial one after.
func TestClosedLoopTimelineEndsWithTheWindow(t *testing.T) {
	t.Parallel()
	slow := func(ctx context.Context, w int, seq int64) error {
		time.Sleep(150 * time.Millisecond) // most calls end past the 1 s window
		return nil
	}
	got := closedLoop(context.Background(), 4, 0, time.Second, slow)
	if len(got.timeline) != 1 {
		t.Fatalf("timeline of a 1 s window has %d seconds (%v), want 1", len(got.timeline), got.timeline)
	}
	if got.timeline[0] != float64(got.ok) {
		t.Fatalf("timeline counts %v answers, the tally %d", got.timeline[0], got.ok)
	}
}
