package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// Throughput shaping (platform/shaping.go) on the database: the buckets'
// state is a row each in shaping_buckets, which every process takes from
// inside its claim transaction (PostgreSQL: rows locked in key order), so
// several processes together never exceed a rate.

// Shaping configures ClaimShaped.
type Shaping struct {
	// DefaultMPS is the rate of a number with no mps of its own; 0 is
	// unlimited.
	DefaultMPS float64
	// Local, when set, is a limit of this process on a message's path (its
	// provider connection), applied with the shared buckets.
	Local LocalLimit
}

// LocalLimit is a process-local bucket a message takes from.
type LocalLimit interface {
	// Earliest is when m may go (now when it may go now or is not limited),
	// and whether anything limits m at all.
	Earliest(m platform.Message, cost int64, now time.Time) (time.Time, bool)
	// Take records that m was let go at now.
	Take(m platform.Message, cost int64, now time.Time)
}

// Deferral is a claimed message put back to wait for its buckets' tokens.
type Deferral struct {
	Message platform.Message
	Until   time.Time
}

// shapingUsed caches, for a second, whether any number or campaign has a
// limit: with none (and no default rate), claims skip shaping entirely.
type shapingUsed struct {
	mu      sync.Mutex
	checked time.Time
	used    bool
}

func (s *shapingUsed) forget() {
	s.mu.Lock()
	s.checked = time.Time{}
	s.mu.Unlock()
}

func (db *DB) anyLimits(ctx context.Context) (bool, error) {
	s := &db.shapingUsed
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.checked) < time.Second {
		return s.used, nil
	}
	// Only a positive mps limits: NULL takes the default, which is 0 here
	// (the caller asks only then), and 0 is unlimited.
	var used bool
	if err := db.r().row(ctx, `SELECT EXISTS (SELECT 1 FROM numbers WHERE mps > 0)
		OR EXISTS (SELECT 1 FROM campaigns)`).Scan(&used); err != nil {
		return false, fmt.Errorf("read shaping limits: %w", err)
	}
	s.used, s.checked = used, time.Now()
	return used, nil
}

// BucketStates reads buckets' states; a bucket never used has a zero state.
func (db *DB) BucketStates(ctx context.Context, keys []string) (map[string]platform.BucketState, error) {
	return bucketStates(ctx, db.r(), keys, "")
}

func bucketStates(ctx context.Context, x q, keys []string, lock string) (map[string]platform.BucketState, error) {
	out := make(map[string]platform.BucketState, len(keys))
	for _, k := range keys {
		var tat, tail, count int64
		var day string
		err := x.row(ctx, `SELECT tat, tail, day, day_count FROM shaping_buckets WHERE key = ?`+lock, k).Scan(&tat, &tail, &day, &count)
		if err != nil && !isNoRows(err) {
			return nil, fmt.Errorf("read bucket %s: %w", k, err)
		}
		s := platform.BucketState{Key: k, Day: day, DayCount: count}
		if tat > 0 {
			s.TAT = fromMS(tat)
		}
		if tail > 0 {
			s.Tail = fromMS(tail)
		}
		out[k] = s
	}
	return out, nil
}

// lockBuckets creates the rows of keys that do not exist yet and reads
// them all locked, in key order (platform.BucketKeys sorts them): two
// transactions never wait for each other in a cycle.
func lockBuckets(ctx context.Context, x q, keys []string) (map[string]platform.BucketState, error) {
	for _, k := range keys {
		if _, err := x.exec(ctx, `INSERT INTO shaping_buckets (key) VALUES (?) ON CONFLICT (key) DO NOTHING`, k); err != nil {
			return nil, fmt.Errorf("create bucket %s: %w", k, err)
		}
	}
	return bucketStates(ctx, x, keys, x.d.forUpdate)
}

func saveBuckets(ctx context.Context, x q, states map[string]platform.BucketState, keys []string) error {
	for _, k := range keys {
		s := states[k]
		if _, err := x.exec(ctx, `UPDATE shaping_buckets SET tat = ?, tail = ?, day = ?, day_count = ? WHERE key = ?`,
			msOrZero(s.TAT), msOrZero(s.Tail), s.Day, s.DayCount, k); err != nil {
			return fmt.Errorf("save bucket %s: %w", k, err)
		}
	}
	return nil
}

func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// placeMessages puts an acceptance's messages at the end of their path's
// queues, in order: each one's next attempt is its estimated send time.
// The horizon was checked before (platform.Place refusing); a race with
// another acceptance may place a message a little further, never refuse it.
func placeMessages(ctx context.Context, x q, path []platform.Bucket, msgs []platform.Message) error {
	keys := platform.BucketKeys(path)
	states, err := lockBuckets(ctx, x, keys)
	if err != nil {
		return err
	}
	for i := range msgs {
		m := &msgs[i]
		now := *m.NextAttemptAt
		p := platform.Place(path, states, platform.Cost(*m), now, 1<<62)
		if p.Start.After(now) {
			start := p.Start
			m.NextAttemptAt, m.QueuedUntil = &start, &start
		}
	}
	return saveBuckets(ctx, x, states, keys)
}

// ClaimShaped is ClaimMessages with throughput shaping: of the due messages
// it claims, it keeps those whose buckets have the tokens (taking them) and
// puts the others back, due again when their buckets refill — without an
// attempt, and so that no message overtakes an older one of its number and
// message type.
// It returns the messages to send and the deferrals.
func (db *DB) ClaimShaped(ctx context.Context, owner string, now, leaseUntil time.Time, limit int, sh Shaping) (
	[]platform.Message, []Deferral, error) {
	var out []platform.Message
	var deferred []Deferral
	limits := sh.DefaultMPS > 0
	if !limits {
		var err error
		if limits, err = db.anyLimits(ctx); err != nil {
			return nil, nil, err
		}
	}
	group := db.grouped
	if sh.Local != nil {
		group = db.groupedOnce // shape takes from the process-local limiter
	}
	err := group(ctx, func(x q) error {
		claimed, err := claimMessages(ctx, x, db.dialect, owner, now, leaseUntil, limit)
		if err != nil {
			return err
		}
		out, deferred, err = shape(ctx, x, owner, claimed, now, sh, limits)
		return err
	})
	return out, deferred, err
}

// candidate is a claimed message and its path.
type candidate struct {
	m     platform.Message
	path  []platform.Bucket
	cost  int64
	local bool // a LocalLimit limits it
	// resume: reclaimed after a crash, it may be at the upstream already,
	// so it is never put back (its possible duplicate stays flagged); it
	// takes its segments again so that the messages after it keep the rate.
	resume bool
}

func shape(ctx context.Context, x q, owner string, claimed []platform.Message, now time.Time, sh Shaping, limits bool) (
	[]platform.Message, []Deferral, error) {
	cands, err := paths(ctx, x, claimed, now, sh, limits)
	if err != nil || len(cands) == 0 {
		return claimed, nil, err
	}
	var all [][]platform.Bucket
	for _, c := range cands {
		all = append(all, c.path)
	}
	keys := platform.BucketKeys(all...)
	states, err := lockBuckets(ctx, x, keys)
	if err != nil {
		return nil, nil, err
	}
	// Oldest first: a later message of a number never goes before an
	// earlier one of its type.
	slices.SortFunc(cands, func(a, b candidate) int { return strings.Compare(a.m.ID, b.m.ID) })
	type streamState struct {
		taken   int64     // messages of the stream let go by this claim
		blocked bool      // an earlier one waits: every later one waits
		next    time.Time // when the next waiting one is due
	}
	// Order is kept per stream: a number's SMS, or its MMS (see
	// olderQueued).
	streams := map[[2]string]*streamState{}
	var out []platform.Message
	var deferred []Deferral
	keep := map[string]time.Time{} // kept message → its slot
	for _, c := range cands {
		key := [2]string{c.m.NumberID, c.m.MessageType}
		n := streams[key]
		if n == nil {
			n = &streamState{}
			streams[key] = n
		}
		span := time.Duration(0)
		for _, b := range c.path {
			span = max(span, b.Interval(c.cost))
		}
		at := now
		switch {
		case c.resume: // it goes in this claim, behind nothing
		case n.blocked:
			at = later(n.next, now.Add(minDeferral))
		default:
			older, last, err := olderQueued(ctx, x, c.m)
			if err != nil {
				return nil, nil, err
			}
			if older > n.taken {
				// An older message of the number is waiting, or in flight
				// elsewhere: this one goes after the last of them.
				at = later(later(last, now).Add(max(span, chainGap)), now.Add(minDeferral))
			}
		}
		for _, b := range c.path {
			at = later(at, b.Earliest(states[b.Key], c.cost, now))
		}
		if sh.Local != nil && c.local {
			t, _ := sh.Local.Earliest(c.m, c.cost, now)
			at = later(at, t)
		}
		if c.resume && at.After(now.Add(Lookahead)) {
			at = now.Add(Lookahead)
		}
		if !c.resume && at.After(now.Add(Lookahead)) {
			n.blocked, n.next = true, at.Add(max(span, chainGap))
			if at.After(c.m.ExpiresAt) {
				at = c.m.ExpiresAt // noticed as EXPIRED then
			}
			deferred = append(deferred, Deferral{Message: c.m, Until: at})
			continue
		}
		for _, b := range c.path {
			states[b.Key] = b.Take(states[b.Key], c.cost, at)
		}
		if sh.Local != nil && c.local {
			sh.Local.Take(c.m, c.cost, at)
		}
		if c.m.Attempts == 0 {
			n.taken++
		}
		keep[c.m.ID] = at
	}
	for _, m := range claimed {
		if at, ok := keep[m.ID]; ok {
			m.QueuedUntil = &at // its slot: the sender waits for it
			out = append(out, m)
		} else if !isCandidate(cands, m.ID) {
			out = append(out, m)
		}
	}
	if err := saveBuckets(ctx, x, states, keys); err != nil {
		return nil, nil, err
	}
	for _, d := range deferred {
		if _, err := x.exec(ctx, `UPDATE messages SET next_attempt_at = ?, queued_until = ?, lease_owner = NULL, lease_until = NULL
			WHERE id = ? AND lease_owner = ?`, ms(d.Until), ms(d.Until), d.Message.ID, owner); err != nil {
			return nil, nil, fmt.Errorf("defer message: %w", err)
		}
	}
	return out, deferred, nil
}

// Lookahead is how far ahead of now a claim gives out slots: a message
// whose buckets have tokens within it is kept with its slot (QueuedUntil)
// and the sender waits for the slot, rather than being deferred. Without
// it a bucket lets one message go per claim at any rate (GCRA has no
// burst), which caps a fast campaign or number at the claim rate; with it
// the upstream still sees each message at its exact slot.
const Lookahead = 500 * time.Millisecond

// minDeferral keeps a message that waits behind another from being claimed
// again in a tight loop.
const minDeferral = 50 * time.Millisecond

// chainGap spaces the messages that wait one behind another on a stream
// with no rate (a number without limits after its provider throttled): just
// enough to keep their order in the queue. Spaced by minDeferral instead, a
// backlog behind one throttled message went at 20 a second (the chaos
// suite's 2,400 messages took two minutes).
const chainGap = time.Millisecond

func isCandidate(cands []candidate, id string) bool {
	return slices.ContainsFunc(cands, func(c candidate) bool { return c.m.ID == id })
}

// paths returns the claimed messages that shaping applies to, with their
// paths. A message past its validity is left to expire.
func paths(ctx context.Context, x q, claimed []platform.Message, now time.Time, sh Shaping, limits bool) ([]candidate, error) {
	var out []candidate
	numbers := map[string]platform.Number{}
	campaigns := map[string]platform.Campaign{}
	for _, m := range claimed {
		if !now.Before(m.ExpiresAt) {
			continue
		}
		c := candidate{m: m, cost: platform.Cost(m), resume: m.Reclaimed}
		if sh.Local != nil {
			_, c.local = sh.Local.Earliest(m, c.cost, now)
		}
		if limits {
			n, ok := numbers[m.NumberID]
			if !ok {
				var err error
				n, err = scanNumber(x.row(ctx, `SELECT `+numberColumns+` FROM numbers WHERE id = ?`, m.NumberID))
				if err != nil && !isNoRows(err) {
					return nil, fmt.Errorf("read number %s: %w", m.NumberID, err)
				}
				numbers[m.NumberID] = n
			}
			var camp platform.Campaign
			if n.CampaignRegID != nil {
				id := *n.CampaignRegID
				var ok bool
				if camp, ok = campaigns[id]; !ok {
					var err error
					camp, err = getCampaign(ctx, x, id)
					if err != nil && err != platform.ErrNotFound {
						return nil, err
					}
					campaigns[id] = camp
				}
			}
			n.ID = m.NumberID // a number deleted since still has its queue
			c.path = platform.ShapingPath(n, m.MessageType, sh.DefaultMPS, camp)
		}
		if len(c.path) > 0 || c.local {
			out = append(out, c)
		}
	}
	return out, nil
}

const olderQueuedSQL = `SELECT COUNT(*), MAX(next_attempt_at) FROM messages
	WHERE number_id = ? AND status = 'QUEUED' AND attempts = 0 AND message_type = ? AND id < ?`

// olderQueued counts the first-attempt QUEUED messages of m's number and
// type accepted before m, and returns the latest next attempt among them. A
// message waiting for a provider retry does not hold the others back: its
// turn came and went. Order is kept per number and message type: SMS and
// MMS are separate streams at the carrier, with separate buckets
// (platform.ShapingPath), so an MMS never waits behind an SMS backlog. The
// index messages_queued_number (number_id, id) serves the query as before;
// message_type is checked on the rows it finds, like attempts.
func olderQueued(ctx context.Context, x q, m platform.Message) (int64, time.Time, error) {
	var n int64
	var last sql.NullInt64
	if err := x.row(ctx, olderQueuedSQL, m.NumberID, m.MessageType, m.ID).Scan(&n, &last); err != nil {
		return 0, time.Time{}, fmt.Errorf("count older messages: %w", err)
	}
	var t time.Time
	if last.Valid {
		t = fromMS(last.Int64)
	}
	return n, t, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
