package store

import (
	"context"
	"fmt"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// CampaignNumbers returns the numbers whose campaignRegId is id, by id:
// the numbers that share the campaign's limits, each with its own mps.
func (db *DB) CampaignNumbers(ctx context.Context, id string) ([]platform.Number, error) {
	rows, err := db.r().query(ctx, `SELECT `+numberColumns+` FROM numbers WHERE campaign_reg_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("list numbers of campaign %s: %w", id, err)
	}
	defer rows.Close()
	out := []platform.Number{}
	for rows.Next() {
		n, err := scanNumber(rows)
		if err != nil {
			return nil, fmt.Errorf("list numbers of campaign %s: %w", id, err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// CampaignNumberCounts counts the numbers of every campaign a number
// names, by campaign id.
func (db *DB) CampaignNumberCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.r().query(ctx, `SELECT campaign_reg_id, COUNT(*) FROM numbers WHERE campaign_reg_id IS NOT NULL GROUP BY campaign_reg_id`)
	if err != nil {
		return nil, fmt.Errorf("count numbers per campaign: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count numbers per campaign: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}
