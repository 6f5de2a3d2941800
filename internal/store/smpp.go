package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// The SMPP provider's durable state (migration 00009): the parts of every
// message it submitted with their SMSC ids, the receipts that arrived before
// their id was recorded, and each message's final outcome until the
// platform has taken it. A receipt may arrive on any bind of any process,
// days later: everything it needs is here.

const smppPartColumns = `message_id, part_no, parts, provider, smsc_id, status, stat, updated`

func scanSMPPPart(row interface{ Scan(...any) error }) (platform.SMPPPart, error) {
	var p platform.SMPPPart
	var updated int64
	err := row.Scan(&p.MessageID, &p.PartNo, &p.Parts, &p.Provider, &p.SMSCID, &p.Status, &p.Stat, &updated)
	p.Updated = fromMS(updated)
	return p, err
}

// SMPPParts returns the recorded parts of message messageID, by part number.
func (db *DB) SMPPParts(ctx context.Context, messageID string) ([]platform.SMPPPart, error) {
	return smppParts(ctx, db.r(), messageID)
}

func smppParts(ctx context.Context, x q, messageID string) ([]platform.SMPPPart, error) {
	rows, err := x.query(ctx, `SELECT `+smppPartColumns+` FROM smpp_parts WHERE message_id = ? ORDER BY part_no`, messageID)
	if err != nil {
		return nil, fmt.Errorf("read smpp parts: %w", err)
	}
	defer rows.Close()
	var out []platform.SMPPPart
	for rows.Next() {
		p, err := scanSMPPPart(rows)
		if err != nil {
			return nil, fmt.Errorf("read smpp parts: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// RecordSMPPPart stores part p with its SMSC id as submitted; a new id for
// a part already recorded (a resend) replaces the old one, the same id
// again changes nothing. A final receipt held for the id is applied to the
// part at once. When that decides the message's outcome, the outcome is
// queued for the platform, due at leaseUntil (the caller reports it at once
// and the lease keeps other processes off it meanwhile), and returned.
func (db *DB) RecordSMPPPart(ctx context.Context, p platform.SMPPPart, leaseUntil time.Time) (*platform.SMPPReport, error) {
	var report *platform.SMPPReport
	err := db.grouped(ctx, func(x q) error {
		report = nil
		if _, err := x.exec(ctx, `INSERT INTO smpp_parts (`+smppPartColumns+`) VALUES (?, ?, ?, ?, ?, ?, '', ?)
			ON CONFLICT (message_id, part_no) DO UPDATE SET parts = excluded.parts, provider = excluded.provider,
				smsc_id = excluded.smsc_id, status = excluded.status, stat = '', updated = excluded.updated
			WHERE smpp_parts.smsc_id <> excluded.smsc_id OR smpp_parts.provider <> excluded.provider`,
			p.MessageID, p.PartNo, p.Parts, p.Provider, p.SMSCID, platform.PartSubmitted, ms(p.Updated)); err != nil {
			return fmt.Errorf("record smpp part: %w", err)
		}
		rows, err := x.query(ctx, `SELECT receipt_key, status, stat FROM smpp_held_receipts
			WHERE provider = ? AND smsc_id = ? ORDER BY received`, p.Provider, p.SMSCID)
		if err != nil {
			return fmt.Errorf("match held receipts: %w", err)
		}
		var keys []any
		status, stat := "", ""
		for rows.Next() {
			var k, s, st string
			if err := rows.Scan(&k, &s, &st); err != nil {
				rows.Close()
				return fmt.Errorf("match held receipts: %w", err)
			}
			keys = append(keys, k)
			status, stat = s, st // the latest wins
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("match held receipts: %w", err)
		}
		if len(keys) == 0 {
			return nil
		}
		if _, err := x.exec(ctx, `DELETE FROM smpp_held_receipts WHERE receipt_key IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ")+`)`, keys...); err != nil {
			return fmt.Errorf("delete matched receipts: %w", err)
		}
		p.Status, p.Stat = status, stat
		report, err = applySMPPPartStatus(ctx, x, p, leaseUntil)
		return err
	})
	return report, err
}

// applySMPPPartStatus writes a final receipt's status to part p (unless the
// part is final already) and queues the message's outcome when that
// decides it; it returns the report it queued.
func applySMPPPartStatus(ctx context.Context, x q, p platform.SMPPPart, leaseUntil time.Time) (*platform.SMPPReport, error) {
	res, err := x.exec(ctx, `UPDATE smpp_parts SET status = ?, stat = ?, updated = ?
		WHERE message_id = ? AND part_no = ? AND status = ?`,
		p.Status, p.Stat, ms(p.Updated), p.MessageID, p.PartNo, platform.PartSubmitted)
	if err != nil {
		return nil, fmt.Errorf("apply smpp receipt: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return nil, err // repeated or late: the part was final already
	}
	parts, err := smppParts(ctx, x, p.MessageID)
	if err != nil {
		return nil, err
	}
	r, final := platform.SMPPOutcome(parts, p.Parts)
	if !final {
		return nil, nil
	}
	res, err = x.exec(ctx, `INSERT INTO smpp_reports (message_id, provider, smsc_id, delivered, stat, due_at, created)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
		r.MessageID, r.Provider, r.SMSCID, b2i(r.Delivered), r.Stat, ms(leaseUntil), ms(p.Updated))
	if err != nil {
		return nil, fmt.Errorf("queue smpp report: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return nil, err // decided before (a failed part, then more receipts)
	}
	return &r, nil
}

// ApplySMPPReceipt applies receipt r to the part whose SMSC id is the first
// of r.IDs that any part of r.Provider has (the most recently updated part
// on a tie). A final receipt for no known part is held until a part with one
// of its ids is recorded (RecordSMPPPart); a non-final one for no known part
// is dropped. It reports whether a part matched and returns the outcome it
// queued (see RecordSMPPPart for leaseUntil).
func (db *DB) ApplySMPPReceipt(ctx context.Context, r platform.SMPPReceipt, leaseUntil time.Time) (matched bool, report *platform.SMPPReport, err error) {
	if len(r.IDs) == 0 {
		return false, nil, fmt.Errorf("apply smpp receipt: no id")
	}
	err = db.grouped(ctx, func(x q) error {
		matched, report = false, nil
		args := []any{r.Provider}
		for _, id := range r.IDs {
			args = append(args, id)
		}
		rows, err := x.query(ctx, `SELECT `+smppPartColumns+` FROM smpp_parts WHERE provider = ? AND smsc_id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(r.IDs)), ", ")+`)`, args...)
		if err != nil {
			return fmt.Errorf("match smpp receipt: %w", err)
		}
		var best *platform.SMPPPart
		rank := func(id string) int {
			for i, c := range r.IDs {
				if c == id {
					return i
				}
			}
			return len(r.IDs)
		}
		for rows.Next() {
			p, err := scanSMPPPart(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("match smpp receipt: %w", err)
			}
			if best == nil || rank(p.SMSCID) < rank(best.SMSCID) ||
				rank(p.SMSCID) == rank(best.SMSCID) && p.Updated.After(best.Updated) {
				best = &p
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("match smpp receipt: %w", err)
		}
		final := r.Status == platform.PartDelivered || r.Status == platform.PartFailed
		switch {
		case best != nil && !final:
			matched = true
			_, err := x.exec(ctx, `UPDATE smpp_parts SET stat = ?, updated = ? WHERE message_id = ? AND part_no = ? AND status = ?`,
				r.Stat, ms(r.At), best.MessageID, best.PartNo, platform.PartSubmitted)
			if err != nil {
				return fmt.Errorf("apply smpp receipt: %w", err)
			}
			return nil
		case best != nil:
			matched = true
			p := *best
			p.Status, p.Stat, p.Updated = r.Status, r.Stat, r.At
			report, err = applySMPPPartStatus(ctx, x, p, leaseUntil)
			return err
		case !final:
			return nil
		}
		key := platform.NewID("rcpt_")
		for _, id := range r.IDs {
			if _, err := x.exec(ctx, `INSERT INTO smpp_held_receipts (receipt_key, provider, smsc_id, status, stat, received)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, key, r.Provider, id, r.Status, r.Stat, ms(r.At)); err != nil {
				return fmt.Errorf("hold smpp receipt: %w", err)
			}
		}
		return nil
	})
	return matched, report, err
}

// ClaimSMPPReports leases up to limit of provider's queued outcomes that are
// due, until leaseUntil, counting an attempt for each.
func (db *DB) ClaimSMPPReports(ctx context.Context, provider string, now, leaseUntil time.Time, limit int) ([]platform.SMPPReport, error) {
	var out []platform.SMPPReport
	err := db.grouped(ctx, func(x q) error {
		out = nil
		rows, err := x.query(ctx, `UPDATE smpp_reports SET due_at = ?, attempts = attempts + 1
			WHERE message_id IN (SELECT message_id FROM smpp_reports
				WHERE done = 0 AND due_at <= ? AND provider = ? ORDER BY due_at LIMIT ?`+db.dialect.skipLocked+`)
			RETURNING message_id, provider, smsc_id, delivered, stat, attempts`, ms(leaseUntil), ms(now), provider, limit)
		if err != nil {
			return fmt.Errorf("claim smpp reports: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r platform.SMPPReport
			var delivered int
			if err := rows.Scan(&r.MessageID, &r.Provider, &r.SMSCID, &delivered, &r.Stat, &r.Attempts); err != nil {
				return fmt.Errorf("claim smpp reports: %w", err)
			}
			r.Delivered = delivered == 1
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// HasDueSMPPReports reports, with a read, whether ClaimSMPPReports would
// find anything: idle polls then take no write lock.
func (db *DB) HasDueSMPPReports(ctx context.Context, provider string, now time.Time) (bool, error) {
	return db.exists(ctx, `SELECT 1 FROM smpp_reports WHERE done = 0 AND due_at <= ? AND provider = ? LIMIT 1`, ms(now), provider)
}

// FinishSMPPReport marks message messageID's outcome as taken by the
// platform.
func (db *DB) FinishSMPPReport(ctx context.Context, messageID string) error {
	return db.grouped(ctx, func(x q) error {
		if _, err := x.exec(ctx, `UPDATE smpp_reports SET done = 1 WHERE message_id = ?`, messageID); err != nil {
			return fmt.Errorf("finish smpp report: %w", err)
		}
		return nil
	})
}

// RetrySMPPReport makes message messageID's outcome due again at `at`.
func (db *DB) RetrySMPPReport(ctx context.Context, messageID string, at time.Time) error {
	return db.grouped(ctx, func(x q) error {
		if _, err := x.exec(ctx, `UPDATE smpp_reports SET due_at = ? WHERE message_id = ? AND done = 0`, ms(at), messageID); err != nil {
			return fmt.Errorf("retry smpp report: %w", err)
		}
		return nil
	})
}

// PruneSMPP deletes provider's receipts held since before heldBefore (they
// never matched a part) and its parts and outcomes last touched before
// partsBefore; it returns how many held receipts and how many outcomes the
// platform never took it dropped.
func (db *DB) PruneSMPP(ctx context.Context, provider string, heldBefore, partsBefore time.Time) (held, reports int, err error) {
	err = db.grouped(ctx, func(x q) error {
		held, reports = 0, 0
		if err := x.row(ctx, `SELECT COUNT(DISTINCT receipt_key) FROM smpp_held_receipts WHERE provider = ? AND received < ?`,
			provider, ms(heldBefore)).Scan(&held); err != nil {
			return fmt.Errorf("prune smpp: %w", err)
		}
		if err := x.row(ctx, `SELECT COUNT(*) FROM smpp_reports WHERE provider = ? AND created < ? AND done = 0`,
			provider, ms(partsBefore)).Scan(&reports); err != nil {
			return fmt.Errorf("prune smpp: %w", err)
		}
		for _, d := range []struct {
			query string
			at    time.Time
		}{
			{`DELETE FROM smpp_held_receipts WHERE provider = ? AND received < ?`, heldBefore},
			{`DELETE FROM smpp_reports WHERE provider = ? AND created < ?`, partsBefore},
			{`DELETE FROM smpp_parts WHERE provider = ? AND updated < ?`, partsBefore},
		} {
			if _, err := x.exec(ctx, d.query, provider, ms(d.at)); err != nil {
				return fmt.Errorf("prune smpp: %w", err)
			}
		}
		return nil
	})
	return held, reports, err
}
