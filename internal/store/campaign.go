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

// CampaignUpdate changes some of a campaign's limits: a nil field keeps
// its value, 0 removes that limit.
type CampaignUpdate struct {
	SMSTPM, MMSTPM, DailyCap *int64
}

// UpdateCampaign applies u to a campaign's limits in one transaction, so
// that two concurrent updates of different limits both take effect, and
// returns the limits before and after (none for a campaign never set). A
// campaign left with no limit at all is removed: ListCampaigns shows only
// campaigns that limit something.
func (db *DB) UpdateCampaign(ctx context.Context, id string, u CampaignUpdate, now time.Time) (before, after platform.Campaign, err error) {
	err = db.tx(ctx, func(x q) error {
		var err error
		before, err = lockCampaign(ctx, x, id, now)
		if err != nil {
			return err
		}
		after = before
		for _, f := range []struct {
			v   *int64
			dst *int64
		}{{u.SMSTPM, &after.SMSTPM}, {u.MMSTPM, &after.MMSTPM}, {u.DailyCap, &after.DailyCap}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		if !after.Limited() {
			_, err = x.exec(ctx, `DELETE FROM campaigns WHERE id = ?`, id)
		} else {
			_, err = x.exec(ctx, `UPDATE campaigns SET sms_tpm = ?, mms_tpm = ?, daily_cap = ?, updated_at = ? WHERE id = ?`,
				zeroNull(after.SMSTPM), zeroNull(after.MMSTPM), zeroNull(after.DailyCap), ms(now), id)
		}
		if err != nil {
			return fmt.Errorf("update campaign %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return platform.Campaign{ID: id}, platform.Campaign{ID: id}, err
	}
	db.shapingUsed.forget()
	return before, after, nil
}

// lockCampaign reads a campaign's row for update, creating it (with no
// limits) first so that there is a row to lock: on PostgreSQL a concurrent
// update waits here until the other commits. A row the other removed as
// it waited is created again.
func lockCampaign(ctx context.Context, x q, id string, now time.Time) (platform.Campaign, error) {
	for attempt := 0; ; attempt++ {
		if _, err := x.exec(ctx, `INSERT INTO campaigns (id, updated_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, id, ms(now)); err != nil {
			return platform.Campaign{}, fmt.Errorf("update campaign %s: %w", id, err)
		}
		c, err := scanCampaign(x.row(ctx, `SELECT id, sms_tpm, mms_tpm, daily_cap FROM campaigns WHERE id = ?`+x.d.forUpdate, id))
		if isNoRows(err) && attempt < 10 {
			continue
		}
		if err != nil {
			return c, fmt.Errorf("update campaign %s: %w", id, err)
		}
		return c, nil
	}
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
