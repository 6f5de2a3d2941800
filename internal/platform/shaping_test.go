package platform_test

import (
	"slices"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// TestRetryClearsQueuedUntil: a message requeued for a provider retry no
// longer waits for its buckets' tokens (its turn came): it shows no
// queuedUntil while it waits for the retry.
func TestRetryClearsQueuedUntil(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	placed, at := now.Add(-time.Second), now.Add(2*time.Second)
	m := platform.Message{ID: "msg_1", Status: redcloud.MessageQueued, Sequence: 1, NextAttemptAt: &placed, QueuedUntil: &placed}
	s, err := platform.Retry(m, at, now)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Message
	if got.QueuedUntil != nil || got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(at) || got.Attempts != 1 {
		t.Errorf("after Retry: queuedUntil %v, next attempt %v, attempts %d; want none, %v, 1", got.QueuedUntil, got.NextAttemptAt, got.Attempts, at)
	}
	if err := s.Check(); err != nil {
		t.Errorf("Retry's step: %v", err)
	}
	if m.QueuedUntil == nil {
		t.Error("Retry changed the message it was given")
	}
}

// TestShapingPathTypes: an SMS and an MMS of one number take separate
// number and campaign buckets; the campaign's daily cap counts both.
func TestShapingPathTypes(t *testing.T) {
	t.Parallel()
	campaign := "C1"
	n := platform.Number{ID: "num_1", E164: "+15551230001", CampaignRegID: &campaign}
	c := platform.Campaign{ID: campaign, SMSTPM: 120, MMSTPM: 60, DailyCap: 1000}
	keys := func(typ string) []string {
		var out []string
		for _, b := range platform.ShapingPath(n, typ, 1, c) {
			out = append(out, b.Key)
		}
		return out
	}
	if got, want := keys(redcloud.MessageTypeSMS), []string{"number:num_1:sms", "campaign:C1:sms", "campaign:C1:day"}; !slices.Equal(got, want) {
		t.Errorf("SMS path %v, want %v", got, want)
	}
	if got, want := keys(redcloud.MessageTypeMMS), []string{"number:num_1:mms", "campaign:C1:mms", "campaign:C1:day"}; !slices.Equal(got, want) {
		t.Errorf("MMS path %v, want %v", got, want)
	}
}

// TestBucketSpacing: a rate bucket lets cost segments go, then none until
// cost/rate has passed: three segments at 1/s hold it 3 s.
func TestBucketSpacing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	b := platform.Bucket{Key: "number:n:sms", Rate: 1}
	var s platform.BucketState
	if at := b.Earliest(s, 3, now); !at.Equal(now) {
		t.Fatalf("empty bucket: earliest %v, want now", at)
	}
	s = b.Take(s, 3, now)
	if at := b.Earliest(s, 1, now.Add(time.Second)); !at.Equal(now.Add(3 * time.Second)) {
		t.Errorf("after three segments: earliest %v, want 3 s later", at.Sub(now))
	}
}

// TestDailyCapAcrossPacificMidnight: with a cap of 2, a third segment a
// few seconds before midnight America/Los_Angeles waits for the midnight,
// and the count starts afresh then.
func TestDailyCapAcrossPacificMidnight(t *testing.T) {
	t.Parallel()
	midnight := time.Date(2026, 7, 2, 0, 0, 0, 0, platform.ShapingZone)
	before := midnight.Add(-3 * time.Second)
	if got := platform.NextPacificMidnight(before); !got.Equal(midnight) {
		t.Fatalf("next Pacific midnight after %v = %v, want %v", before, got, midnight)
	}
	b := platform.Bucket{Key: "campaign:c:day", DailyCap: 2}
	var s platform.BucketState
	for i := range 2 {
		if at := b.Earliest(s, 1, before); !at.Equal(before) {
			t.Fatalf("segment %d: earliest %v, want now", i+1, at)
		}
		s = b.Take(s, 1, before)
	}
	if at := b.Earliest(s, 1, before); !at.Equal(midnight) {
		t.Fatalf("third segment: earliest %v, want the midnight %v", at, midnight)
	}
	after := midnight.Add(10 * time.Millisecond)
	if at := b.Earliest(s, 1, after); !at.Equal(after) {
		t.Errorf("after the midnight: earliest %v, want now", at)
	}
	if s = b.Take(s, 1, after); s.DayCount != 1 || s.Day != platform.PacificDay(after) {
		t.Errorf("after the midnight: day %s count %d, want %s 1", s.Day, s.DayCount, platform.PacificDay(after))
	}
}
