package bench

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestHistogram(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	got := histogram([]time.Duration{ms(3), ms(0.6), ms(0.9), ms(9), ms(2)})
	want := []Bucket{{1, 2}, {2, 1}, {4, 1}, {8, 0}, {16, 1}} // nothing ≤ 0.5 ms: starts at the first sample
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("bucket %d: got %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
	if histogram(nil) != nil {
		t.Fatal("histogram of nothing is not nil")
	}
}

// TestClosedLoopTimeline checks that the timeline counts every success once.
func TestClosedLoopTimeline(t *testing.T) {
	tl := closedLoop(t.Context(), 4, 0, 1500*time.Millisecond, func(_ context.Context, _ int, _ int64) error {
		time.Sleep(time.Millisecond)
		return nil
	})
	var sum float64
	for _, v := range tl.timeline {
		sum += v
	}
	if int64(sum) != tl.ok || tl.ok == 0 || len(tl.timeline) < 2 || len(tl.timeline) > 3 {
		t.Fatalf("timeline %v sums to %v; %d successes over 1.5 s", tl.timeline, sum, tl.ok)
	}
}

// TestWriteHTML renders a report and checks that it is well-formed markup
// with the charts, escaped text and no script.
func TestWriteHTML(t *testing.T) {
	ratio := 0.5
	base := Result{Scenario: "baseline", Unit: "requests/s", Throughput: 2000, Timeline: []float64{1900, 2100}, Histogram: []Bucket{{1, 10}, {2, 3}}}
	rep := &Report{Date: time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC), Command: "redcloud bench --html r.html", Baseline: &base,
		Results: []Result{
			{Scenario: "whoami", Description: "a <script>alert(1)</script> description", Unit: "requests/s", Throughput: 1000, Ratio: &ratio,
				Timeline: []float64{900, 1100, 1000}, Histogram: []Bucket{{0.5, 4}, {1, 0}, {2, 7}}},
			{Scenario: "e2e", Skipped: "the server runs no workers"},
		}}
	var b strings.Builder
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"<polyline", `class="bar"`, `class="ratio"`, "0.50× baseline", "skipped: the server runs no workers", "&lt;script&gt;"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(out, "<script") {
		t.Error("report holds a script element")
	}
	// Well-formed as XML once the doctype is dropped: every element closed.
	d := xml.NewDecoder(strings.NewReader(strings.TrimPrefix(out, "<!doctype html>")))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("malformed: %v", err)
			}
			break
		}
	}
}
