package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// SetCampaign creates or replaces a campaign's limits.
func (db *DB) SetCampaign(ctx context.Context, c platform.Campaign, now time.Time) error {
	if _, err := db.w().exec(ctx, `INSERT INTO campaigns (id, sms_tpm, mms_tpm, daily_cap, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET sms_tpm = excluded.sms_tpm, mms_tpm = excluded.mms_tpm,
			daily_cap = excluded.daily_cap, updated_at = excluded.updated_at`,
		c.ID, zeroNull(c.SMSTPM), zeroNull(c.MMSTPM), zeroNull(c.DailyCap), ms(now)); err != nil {
		return fmt.Errorf("set campaign %s: %w", c.ID, err)
	}
	db.shapingUsed.forget()
	return nil
}

// GetCampaign returns a campaign's limits; one never set has none (and
// ErrNotFound).
func (db *DB) GetCampaign(ctx context.Context, id string) (platform.Campaign, error) {
	return getCampaign(ctx, db.r(), id)
}

func getCampaign(ctx context.Context, x q, id string) (platform.Campaign, error) {
	c, err := scanCampaign(x.row(ctx, `SELECT id, sms_tpm, mms_tpm, daily_cap FROM campaigns WHERE id = ?`, id))
	if isNoRows(err) {
		return platform.Campaign{ID: id}, platform.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get campaign %s: %w", id, err)
	}
	return c, nil
}

// ListCampaigns returns every campaign with limits, by id.
func (db *DB) ListCampaigns(ctx context.Context) ([]platform.Campaign, error) {
	rows, err := db.r().query(ctx, `SELECT id, sms_tpm, mms_tpm, daily_cap FROM campaigns ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	defer rows.Close()
	var out []platform.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("list campaigns: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func scanCampaign(row interface{ Scan(...any) error }) (platform.Campaign, error) {
	var c platform.Campaign
	var sms, mms, daily sql.NullInt64
	err := row.Scan(&c.ID, &sms, &mms, &daily)
	c.SMSTPM, c.MMSTPM, c.DailyCap = sms.Int64, mms.Int64, daily.Int64
	return c, err
}

func zeroNull(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}
