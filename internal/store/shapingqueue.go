package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// shapingQueuesSQL sums the QUEUED messages waiting for tokens per number
// (an MMS counts 1 segment, as platform.Cost), with the number's campaign;
// it reads the partial index messages_waiting (migration 00015) only.
const shapingQueuesSQL = `SELECT w.number_id, n.campaign_reg_id, w.segments, w.last FROM (
		SELECT number_id, CAST(SUM(CASE WHEN message_type = 'MMS' OR segments < 1 THEN 1 ELSE segments END) AS BIGINT) AS segments,
			MAX(queued_until) AS last
		FROM messages WHERE status = 'QUEUED' AND queued_until IS NOT NULL GROUP BY number_id
	) w LEFT JOIN numbers n ON n.id = w.number_id`

// ShapingSnapshot reads throughput shaping for the metrics. Queues: per
// number, and per campaign (its numbers' campaignRegId), the segments of
// the QUEUED messages waiting for tokens and the wait until the last of
// them is estimated to be sent (never negative). Rates: every campaign
// limit, and the rate of every number with one of its own or, when
// defaultMPS limits the others, whose buckets were used. Both sorted by
// scope and id.
func (db *DB) ShapingSnapshot(ctx context.Context, now time.Time, defaultMPS float64) (platform.ShapingSnapshot, error) {
	var out platform.ShapingSnapshot
	x := db.r()
	rows, err := x.query(ctx, shapingQueuesSQL)
	if err != nil {
		return out, fmt.Errorf("read shaping queues: %w", err)
	}
	defer rows.Close()
	campaigns := map[string]*platform.ShapingQueue{}
	for rows.Next() {
		var number string
		var campaign sql.NullString
		var segments, last int64
		if err := rows.Scan(&number, &campaign, &segments, &last); err != nil {
			return out, fmt.Errorf("read shaping queues: %w", err)
		}
		wait := max(fromMS(last).Sub(now), 0)
		out.Queues = append(out.Queues, platform.ShapingQueue{Scope: platform.ShapingScopeNumber, ID: number, Segments: segments, Wait: wait})
		if campaign.Valid && campaign.String != "" {
			c := campaigns[campaign.String]
			if c == nil {
				c = &platform.ShapingQueue{Scope: platform.ShapingScopeCampaign, ID: campaign.String}
				campaigns[campaign.String] = c
			}
			c.Segments, c.Wait = c.Segments+segments, max(c.Wait, wait)
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("read shaping queues: %w", err)
	}
	rows.Close()
	for _, c := range campaigns {
		out.Queues = append(out.Queues, *c)
	}
	numbers, err := numberRates(ctx, x, defaultMPS)
	if err != nil {
		return out, err
	}
	for id, r := range numbers {
		if r > 0 {
			for _, kind := range []string{"sms", "mms"} {
				out.Rates = append(out.Rates, platform.BucketRate{Scope: platform.ShapingScopeNumber, ID: id, Type: kind, Rate: r})
			}
		}
	}
	limits, err := db.ListCampaigns(ctx)
	if err != nil {
		return out, err
	}
	for _, c := range limits {
		for kind, r := range map[string]float64{"sms": float64(c.SMSTPM) / 60, "mms": float64(c.MMSTPM) / 60, "day": float64(c.DailyCap)} {
			if r > 0 {
				out.Rates = append(out.Rates, platform.BucketRate{Scope: platform.ShapingScopeCampaign, ID: c.ID, Type: kind, Rate: r})
			}
		}
	}
	slices.SortFunc(out.Queues, func(a, b platform.ShapingQueue) int {
		return cmp.Or(strings.Compare(b.Scope, a.Scope), strings.Compare(a.ID, b.ID))
	})
	slices.SortFunc(out.Rates, func(a, b platform.BucketRate) int {
		return cmp.Or(strings.Compare(b.Scope, a.Scope), strings.Compare(a.ID, b.ID), strings.Compare(a.Type, b.Type))
	})
	return out, nil
}

// numberRates returns the rate of each number with one of its own (0:
// unlimited) and, when defaultMPS > 0, defaultMPS for the other numbers
// whose buckets were used (a row in shaping_buckets).
func numberRates(ctx context.Context, x q, defaultMPS float64) (map[string]float64, error) {
	out := map[string]float64{}
	if defaultMPS > 0 {
		// A range of the primary key: "number;" follows every "number:…".
		rows, err := x.query(ctx, `SELECT key FROM shaping_buckets WHERE key > 'number:' AND key < 'number;'`)
		if err != nil {
			return nil, fmt.Errorf("read shaping buckets: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			if err := rows.Scan(&key); err != nil {
				return nil, fmt.Errorf("read shaping buckets: %w", err)
			}
			// number:<id>:sms|mms
			if id, _, ok := strings.Cut(strings.TrimPrefix(key, platform.ShapingScopeNumber+":"), ":"); ok {
				out[id] = defaultMPS
			}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read shaping buckets: %w", err)
		}
	}
	rows, err := x.query(ctx, `SELECT id, mps FROM numbers WHERE mps IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("read number rates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var mps float64
		if err := rows.Scan(&id, &mps); err != nil {
			return nil, fmt.Errorf("read number rates: %w", err)
		}
		out[id] = mps
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read number rates: %w", err)
	}
	return out, nil
}
