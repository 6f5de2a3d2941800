package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one operator action: who did it (an operator's email, or
// cli:<os user>), when, what (Action, e.g. client.suspend), on what
// (Target, e.g. an API client id) and the state before and after, as JSON
// objects ("{}" when there is nothing to show).
type AuditEntry struct {
	ID     string
	At     time.Time
	Actor  string
	Action string
	Target string
	Before json.RawMessage
	After  json.RawMessage
}

// AuditQuery selects audit entries, newest first. Empty filters match
// every entry.
type AuditQuery struct {
	Actor  string
	Action string
	Target string
	// Before starts the page after this entry (its At and ID); nil: the
	// newest.
	Before *AuditEntry
	// Limit is the page size (required, at least 1).
	Limit int
}

// InsertAudit records an audit entry.
func (db *DB) InsertAudit(ctx context.Context, e AuditEntry) error {
	return db.grouped(ctx, func(x q) error {
		if _, err := x.exec(ctx, `INSERT INTO audit_log (id, at, actor, action, target, before_json, after_json)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, e.ID, ms(e.At), e.Actor, e.Action, e.Target,
			orEmptyObject(e.Before), orEmptyObject(e.After)); err != nil {
			return fmt.Errorf("insert audit entry: %w", err)
		}
		return nil
	})
}

func orEmptyObject(b json.RawMessage) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

// ListAudit returns a page of audit entries matching q, newest first by
// (at, id), and whether more follow.
func (db *DB) ListAudit(ctx context.Context, aq AuditQuery) ([]AuditEntry, bool, error) {
	var where []string
	var args []any
	eq := func(column, value string) {
		if value != "" {
			where = append(where, column+" = ?")
			args = append(args, value)
		}
	}
	eq("actor", aq.Actor)
	eq("action", aq.Action)
	eq("target", aq.Target)
	if aq.Before != nil {
		at := ms(aq.Before.At)
		where = append(where, "at <= ?", "(at < ? OR id < ?)")
		args = append(args, at, at, aq.Before.ID)
	}
	query := `SELECT id, at, actor, action, target, before_json, after_json FROM audit_log`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := max(aq.Limit, 1)
	rows, err := db.r().query(ctx, query+` ORDER BY at DESC, id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		var before, after string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &before, &after); err != nil {
			return nil, false, fmt.Errorf("list audit: %w", err)
		}
		e.At, e.Before, e.After = fromMS(at), json.RawMessage(before), json.RawMessage(after)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list audit: %w", err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}
