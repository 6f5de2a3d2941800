package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

const numberColumns = `id, e164, api_client_id, status, campaign_reg_id, sms_enabled, mms_enabled,
	webhook_inbound_override, webhook_delivery_override, npa, nxx, city, state, zip_code, rate_center, created_at, mps`

func scanNumber(row interface{ Scan(...any) error }) (platform.Number, error) {
	var n platform.Number
	var client, campaign, inbound, delivery sql.NullString
	var created int64
	var mps sql.NullFloat64
	err := row.Scan(&n.ID, &n.E164, &client, &n.Status, &campaign, &n.SMSEnabled, &n.MMSEnabled,
		&inbound, &delivery, &n.NPA, &n.NXX, &n.City, &n.State, &n.ZipCode, &n.RateCenter, &created, &mps)
	if mps.Valid {
		n.MPS = &mps.Float64
	}
	n.APIClientID = client.String
	n.CampaignRegID, n.WebhookInboundOverride, n.WebhookDeliveryOverride = nullStr(campaign), nullStr(inbound), nullStr(delivery)
	n.CreatedAt = fromMS(created)
	return n, err
}

// InsertNumber adds a number, to the inventory when APIClientID is empty.
func (db *DB) InsertNumber(ctx context.Context, n platform.Number) error {
	return insertNumber(ctx, db.w(), n)
}

// InsertNumbers adds many numbers in one transaction (CSV import, seeding);
// nothing is added when one fails.
func (db *DB) InsertNumbers(ctx context.Context, ns []platform.Number) error {
	return db.tx(ctx, func(x q) error {
		for _, n := range ns {
			if err := insertNumber(ctx, x, n); err != nil {
				return err
			}
		}
		return nil
	})
}

func insertNumber(ctx context.Context, x q, n platform.Number) error {
	_, err := x.exec(ctx, `INSERT INTO numbers (`+numberColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.E164, emptyNull(n.APIClientID), n.Status, n.CampaignRegID, b2i(n.SMSEnabled), b2i(n.MMSEnabled),
		n.WebhookInboundOverride, n.WebhookDeliveryOverride, n.NPA, n.NXX, n.City, strings.ToUpper(n.State),
		n.ZipCode, n.RateCenter, ms(n.CreatedAt), n.MPS)
	if isUniqueViolation(err) {
		return fmt.Errorf("insert number %s (%s): %w", n.ID, n.E164, errConflict)
	}
	if err != nil {
		return fmt.Errorf("insert number %s: %w", n.ID, err)
	}
	return nil
}

// GetNumber returns a number by id, whoever owns it.
func (db *DB) GetNumber(ctx context.Context, id string) (platform.Number, error) {
	n, err := scanNumber(db.r().row(ctx, `SELECT `+numberColumns+` FROM numbers WHERE id = ?`, id))
	if err != nil {
		return n, notFound(err, "get number "+id)
	}
	return n, nil
}

// GetNumberByE164 returns a number by its phone number.
func (db *DB) GetNumberByE164(ctx context.Context, e164 string) (platform.Number, error) {
	n, err := scanNumber(db.r().row(ctx, `SELECT `+numberColumns+` FROM numbers WHERE e164 = ?`, e164))
	if err != nil {
		return n, notFound(err, "get number "+e164)
	}
	return n, nil
}

// ListNumbers returns the numbers assigned to an API client, by id; an
// empty clientID lists every number (admin).
func (db *DB) ListNumbers(ctx context.Context, clientID string) ([]platform.Number, error) {
	query, args := `SELECT `+numberColumns+` FROM numbers WHERE api_client_id = ? ORDER BY id`, []any{clientID}
	if clientID == "" {
		query, args = `SELECT `+numberColumns+` FROM numbers ORDER BY id`, nil
	}
	rows, err := db.r().query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list numbers: %w", err)
	}
	defer rows.Close()
	out := []platform.Number{}
	for rows.Next() {
		n, err := scanNumber(rows)
		if err != nil {
			return nil, fmt.Errorf("list numbers: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// CountNumbers counts an API client's numbers for whoami.
func (db *DB) CountNumbers(ctx context.Context, clientID string) (redcloud.AssignedNumbers, error) {
	var a redcloud.AssignedNumbers
	err := db.r().row(ctx, `SELECT COUNT(*), COALESCE(SUM(sms_enabled), 0), COALESCE(SUM(mms_enabled), 0)
		FROM numbers WHERE api_client_id = ?`, clientID).Scan(&a.Total, &a.SMSEnabledCount, &a.MMSEnabledCount)
	if err != nil {
		return a, fmt.Errorf("count numbers: %w", err)
	}
	return a, nil
}

// UpdateNumber applies a PATCH to a number the API client owns and returns
// it; platform.ErrNotFound when the client does not own it.
func (db *DB) UpdateNumber(ctx context.Context, clientID, id string, u platform.NumberUpdateInput) (platform.Number, error) {
	var n platform.Number
	err := db.tx(ctx, func(x q) error {
		var sets []string
		var args []any
		for _, f := range []struct {
			col string
			v   **string
		}{{"campaign_reg_id", u.CampaignRegID}, {"webhook_inbound_override", u.WebhookInboundOverride}, {"webhook_delivery_override", u.WebhookDeliveryOverride}} {
			if f.v != nil {
				sets = append(sets, f.col+" = ?")
				args = append(args, *f.v)
			}
		}
		if len(sets) > 0 {
			res, err := x.exec(ctx, `UPDATE numbers SET `+strings.Join(sets, ", ")+` WHERE id = ? AND api_client_id = ?`,
				append(args, id, clientID)...)
			if err != nil {
				return fmt.Errorf("update number: %w", err)
			}
			if err := changedOne(res, "update number "+id); err != nil {
				return err
			}
		}
		var err error
		n, err = scanNumber(x.row(ctx, `SELECT `+numberColumns+` FROM numbers WHERE id = ? AND api_client_id = ?`, id, clientID))
		return notFoundOrNil(err, "update number "+id)
	})
	return n, err
}

// NumberAttrs are the operator-set attributes of a number (admin); nil
// fields are left unchanged, CampaignRegID pointing to nil clears it.
type NumberAttrs struct {
	Status        *string
	CampaignRegID **string
	SMSEnabled    *bool
	MMSEnabled    *bool
	MPS           **float64 // &nil: back to the server's default
}

// SetNumberAttrs updates operator-set attributes of a number.
func (db *DB) SetNumberAttrs(ctx context.Context, id string, a NumberAttrs) error {
	var sets []string
	var args []any
	if a.Status != nil {
		sets, args = append(sets, "status = ?"), append(args, *a.Status)
	}
	if a.CampaignRegID != nil {
		sets, args = append(sets, "campaign_reg_id = ?"), append(args, *a.CampaignRegID)
	}
	if a.SMSEnabled != nil {
		sets, args = append(sets, "sms_enabled = ?"), append(args, b2i(*a.SMSEnabled))
	}
	if a.MMSEnabled != nil {
		sets, args = append(sets, "mms_enabled = ?"), append(args, b2i(*a.MMSEnabled))
	}
	if a.MPS != nil {
		sets, args = append(sets, "mps = ?"), append(args, *a.MPS)
	}
	if len(sets) == 0 {
		return nil
	}
	db.shapingUsed.forget()
	return db.updateOne(ctx, "number "+id, `UPDATE numbers SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(args, id)...)
}

// AssignNumber assigns an inventory number to an API client;
// platform.ErrConflict when another client holds it.
func (db *DB) AssignNumber(ctx context.Context, id, clientID string) error {
	return db.tx(ctx, func(x q) error {
		var owner sql.NullString
		if err := x.row(ctx, `SELECT api_client_id FROM numbers WHERE id = ?`, id).Scan(&owner); err != nil {
			return notFound(err, "assign number "+id)
		}
		if owner.Valid && owner.String != clientID {
			return fmt.Errorf("assign number %s: assigned to %s: %w", id, owner.String, errConflict)
		}
		// A failed read is that failure, not a missing client.
		var exists int
		if err := x.row(ctx, `SELECT COUNT(*) FROM api_clients WHERE id = ?`, clientID).Scan(&exists); err != nil {
			return fmt.Errorf("assign number %s: %w", id, err)
		}
		if exists == 0 {
			return fmt.Errorf("assign number %s: api client %s: %w", id, clientID, errNotFound)
		}
		if _, err := x.exec(ctx, `UPDATE numbers SET api_client_id = ? WHERE id = ?`, clientID, id); err != nil {
			return fmt.Errorf("assign number %s: %w", id, err)
		}
		return nil
	})
}

// UnassignNumber returns a number to the inventory and clears its
// client-specific settings (overrides), which belonged to the old owner.
func (db *DB) UnassignNumber(ctx context.Context, id string) error {
	return db.updateOne(ctx, "number "+id, `UPDATE numbers SET api_client_id = NULL,
		webhook_inbound_override = NULL, webhook_delivery_override = NULL WHERE id = ?`, id)
}

// SearchInventory returns the unassigned numbers matching in, grouped by
// (npa, nxx, rateCenter) with at most the limit listed, and how many match.
func (db *DB) SearchInventory(ctx context.Context, in platform.SearchInput) (redcloud.NumberSearchResult, error) {
	res := redcloud.NumberSearchResult{Groups: []redcloud.NumberGroup{}}
	where := []string{"api_client_id IS NULL"}
	var args []any
	for _, f := range []struct {
		col, v string
		fold   bool
	}{{"npa", in.NPA, false}, {"nxx", in.NXX, false}, {"zip_code", in.ZipCode, false},
		{"city", in.City, true}, {"state", in.State, true}, {"rate_center", in.RateCenter, true}} {
		if f.v == "" {
			continue
		}
		if f.fold {
			where, args = append(where, "LOWER("+f.col+") = LOWER(?)"), append(args, f.v)
		} else {
			where, args = append(where, f.col+" = ?"), append(args, f.v)
		}
	}
	cond := strings.Join(where, " AND ")
	if err := db.r().row(ctx, `SELECT COUNT(*) FROM numbers WHERE `+cond, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("search inventory: %w", err)
	}
	rows, err := db.r().query(ctx, `SELECT e164, npa, nxx, city, state, rate_center, zip_code FROM numbers
		WHERE `+cond+` ORDER BY npa, nxx, rate_center, e164 LIMIT ?`, append(args, in.EffectiveLimit())...)
	if err != nil {
		return res, fmt.Errorf("search inventory: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e164 string
		var g redcloud.NumberGroup
		if err := rows.Scan(&e164, &g.NPA, &g.NXX, &g.City, &g.State, &g.RateCenter, &g.ZipCode); err != nil {
			return res, fmt.Errorf("search inventory: %w", err)
		}
		if k := len(res.Groups) - 1; k >= 0 && res.Groups[k].NPA == g.NPA && res.Groups[k].NXX == g.NXX && res.Groups[k].RateCenter == g.RateCenter {
			res.Groups[k].Numbers = append(res.Groups[k].Numbers, e164)
			res.Groups[k].Count++
			continue
		}
		g.Numbers, g.Count = []string{e164}, 1
		res.Groups = append(res.Groups, g)
	}
	return res, rows.Err()
}
