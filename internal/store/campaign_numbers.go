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
