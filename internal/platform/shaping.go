package platform

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
	_ "time/tzdata" // the Pacific day must not depend on the host's zoneinfo

	"github.com/redcloud-core/redcloud"
)

// Throughput shaping: a message takes its segments (an MMS counts 1) from
// every bucket on its path — its number's, its campaign's (keyed by the
// number's campaignRegId) and its provider connection's — and goes only
// when all of them have the tokens. Each rate bucket is a GCRA with no
// burst: the next segment may go at TAT, and taking n segments moves TAT
// to max(TAT, now) + n × interval, so sends are spaced evenly and never two
// inside one interval.

// ShapingZone is where a campaign's daily cap resets, at midnight: carriers
// (T-Mobile) count the day in Pacific time.
var ShapingZone = mustZone("America/Los_Angeles")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("load time zone %s: %v", name, err))
	}
	return loc
}

// Campaign holds a 10DLC campaign's limits, shared by all its numbers. A
// zero limit is no limit.
type Campaign struct {
	ID       string // the numbers' campaignRegId
	SMSTPM   int64  // SMS segments per minute
	MMSTPM   int64  // MMS per minute
	DailyCap int64  // SMS segments plus MMS per Pacific day
}

// Limited reports whether the campaign limits anything.
func (c Campaign) Limited() bool { return c.SMSTPM > 0 || c.MMSTPM > 0 || c.DailyCap > 0 }

// Bucket is one limit on a message's path.
type Bucket struct {
	Key      string
	Rate     float64 // segments per second; 0: no rate (a daily cap only)
	DailyCap int64   // segments per Pacific day; 0: none
	// What names the bucket in messages: "number +15125550100".
	What string
}

// BucketState is a bucket's shared state, kept in the database.
type BucketState struct {
	Key string
	// TAT is when the next segment may be sent (sends move it).
	TAT time.Time
	// Tail is when the segments accepted so far are estimated to be sent
	// (acceptances move it; it is the queue's end).
	Tail time.Time
	// Day is the Pacific date (2006-01-02) DayCount counts segments sent on.
	Day      string
	DayCount int64
}

// Cost is how many segments m takes from its buckets: its SMS segments, or
// 1 for an MMS.
func Cost(m Message) int64 {
	if m.MessageType == redcloud.MessageTypeMMS || m.Segments < 1 {
		return 1
	}
	return int64(m.Segments)
}

// ShapingPath returns the shared buckets a message of messageType from
// number n takes from: the number's (its mps, else defaultMPS) and the
// campaign's, each per message type so that an MMS never waits for SMS
// tokens; the daily cap counts both types. Nil when nothing limits it.
func ShapingPath(n Number, messageType string, defaultMPS float64, c Campaign) []Bucket {
	kind := "sms"
	tpm := c.SMSTPM
	if messageType == redcloud.MessageTypeMMS {
		kind, tpm = "mms", c.MMSTPM
	}
	var path []Bucket
	mps := defaultMPS
	if n.MPS != nil {
		mps = *n.MPS
	}
	if mps > 0 {
		path = append(path, Bucket{Key: "number:" + n.ID + ":" + kind, Rate: mps, What: "number " + n.E164})
	}
	if c.ID != "" && tpm > 0 {
		path = append(path, Bucket{Key: "campaign:" + c.ID + ":" + kind, Rate: float64(tpm) / 60, What: "campaign " + c.ID})
	}
	if c.ID != "" && c.DailyCap > 0 {
		path = append(path, Bucket{Key: "campaign:" + c.ID + ":day", DailyCap: c.DailyCap, What: "campaign " + c.ID})
	}
	return path
}

// Interval is how long cost segments occupy the bucket's rate.
func (b Bucket) Interval(cost int64) time.Duration {
	if b.Rate <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(float64(cost) * float64(time.Second) / b.Rate))
}

// PacificDay is the Pacific date of t.
func PacificDay(t time.Time) string { return t.In(ShapingZone).Format(time.DateOnly) }

// NextPacificMidnight is the first Pacific midnight after t.
func NextPacificMidnight(t time.Time) time.Time {
	l := t.In(ShapingZone)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, ShapingZone)
}

// Earliest is the first time at or after now when cost segments may be
// taken from b in state s.
func (b Bucket) Earliest(s BucketState, cost int64, now time.Time) time.Time {
	at := now
	if b.Rate > 0 && s.TAT.After(at) {
		at = s.TAT
	}
	if b.DailyCap > 0 {
		used := int64(0)
		if s.Day == PacificDay(at) {
			used = s.DayCount
		}
		// A message larger than the whole cap goes first thing in a day
		// rather than never.
		if used > 0 && used+cost > b.DailyCap {
			at = NextPacificMidnight(at)
		}
	}
	return at
}

// Take returns s after cost segments were sent at now (now at or after
// Earliest).
func (b Bucket) Take(s BucketState, cost int64, now time.Time) BucketState {
	if b.Rate > 0 {
		s.TAT = later(s.TAT, now).Add(b.Interval(cost))
	}
	if b.DailyCap > 0 {
		if day := PacificDay(now); s.Day != day {
			s.Day, s.DayCount = day, 0
		}
		s.DayCount += cost
	}
	return s
}

// QueueStart is when a message accepted at now would start on b in state
// s: after the segments queued before it (the tail) and the last send.
func (b Bucket) QueueStart(s BucketState, now time.Time) time.Time {
	if b.Rate <= 0 {
		return now
	}
	return later(now, later(s.TAT, s.Tail))
}

// QueuedSegments estimates the segments waiting on b at now.
func (b Bucket) QueuedSegments(s BucketState, now time.Time) int64 {
	if b.Rate <= 0 || !s.Tail.After(now) {
		return 0
	}
	return int64(math.Round(s.Tail.Sub(now).Seconds() * b.Rate))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Placement is where acceptance puts one message in its buckets' queues.
type Placement struct {
	Start time.Time // estimated send time: the message's next attempt
	// Refused: the estimated wait would pass the message's validity.
	Refused bool
	// Bucket is the tightest bucket (the one that sets Start), RetryAt
	// when it will have room again; for a refusal.
	Bucket  Bucket
	Queued  int64
	RetryAt time.Time
}

// Place puts a message of cost segments at the end of its path's queues,
// updating states (keyed by bucket key), or refuses it when it would wait
// past validity. It is the horizon Twilio and Telnyx apply: accept and
// hold what can be sent in time, refuse only the rest.
func Place(path []Bucket, states map[string]BucketState, cost int64, now time.Time, validity time.Duration) Placement {
	p := Placement{Start: now}
	for _, b := range path {
		if at := b.QueueStart(states[b.Key], now); b.Rate > 0 && (p.Bucket.Key == "" || at.After(p.Start)) {
			p.Start, p.Bucket, p.Queued = later(p.Start, at), b, b.QueuedSegments(states[b.Key], now)
		}
	}
	var span time.Duration
	for _, b := range path {
		span = max(span, b.Interval(cost))
	}
	if end := p.Start.Add(span); end.Sub(now) > validity {
		p.Refused, p.RetryAt = true, end.Add(-validity)
		return p
	}
	for _, b := range path {
		if b.Rate > 0 {
			s := states[b.Key]
			s.Key, s.Tail = b.Key, p.Start.Add(b.Interval(cost))
			states[b.Key] = s
		}
	}
	return p
}

// QueueFullError is the errors[] entry of a recipient refused at the
// horizon.
func QueueFullError(r Recipient, p Placement, validity time.Duration) redcloud.RecipientError {
	return redcloud.RecipientError{To: r.To, Index: r.Index, Code: redcloud.CodeRateLimited, Reason: ReasonQueueFull,
		Message: fmt.Sprintf("%s has %d segments queued at %s segments/s: this message would wait past its validity of %s",
			p.Bucket.What, p.Queued, strconv.FormatFloat(p.Bucket.Rate, 'f', -1, 64), validity)}
}

// ReasonQueueFull is the reason of a recipient refused at the horizon.
const ReasonQueueFull = "queue_full"

// BucketKeys returns the sorted keys of paths: rows are locked in this
// order so that two transactions never wait for each other in a cycle.
func BucketKeys(paths ...[]Bucket) []string {
	seen := map[string]bool{}
	var keys []string
	for _, p := range paths {
		for _, b := range p {
			if !seen[b.Key] {
				seen[b.Key] = true
				keys = append(keys, b.Key)
			}
		}
	}
	sort.Strings(keys)
	return keys
}
