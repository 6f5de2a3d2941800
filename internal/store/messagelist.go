package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// ListMessages returns a page of an API client's messages matching q,
// newest first by (created_at, id), and whether more follow. Every filter
// is served by an index of migration 00006 that starts with the client and
// the filtered column, in page order. An empty clientID lists every API
// client's messages (the operator console); migration 00011's indexes serve
// that list, by externalReference and by recipient.
func (db *DB) ListMessages(ctx context.Context, clientID string, q platform.MessageQuery) ([]platform.Message, bool, error) {
	query, args, limit := listMessagesSQL(clientID, q, db.dialect.name == "sqlite")
	rows, err := db.r().query(ctx, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	out := make([]platform.Message, 0, limit+1)
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, false, fmt.Errorf("list messages: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list messages: %w", err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// listMessagesSQL returns the query of a page, its arguments and the page
// size; the query asks for one row more, which tells whether more follow.
// On SQLite, which keeps no statistics, it names the index of an API
// client's list (listIndex).
func listMessagesSQL(clientID string, q platform.MessageQuery, sqlite bool) (string, []any, int) {
	var where []string
	var args []any
	eq := func(column, value string) {
		if value != "" {
			where = append(where, column+" = ?")
			args = append(args, value)
		}
	}
	eq("api_client_id", clientID)
	eq("status", q.Status)
	if q.Waiting {
		// Waiting for shaping: QUEUED with an estimated send time (a sent
		// message keeps its last one).
		if q.Status == "" {
			eq("status", redcloud.MessageQueued)
		}
		where = append(where, "queued_until IS NOT NULL")
	}
	eq("to_e164", q.To)
	eq("number_id", q.NumberID)
	if q.ExternalReference != "" {
		// The literal condition lets both databases prove the partial
		// index messages_client_reference applies.
		eq("external_reference", q.ExternalReference)
		where = append(where, "external_reference <> ''")
	}
	if q.CreatedAfter != nil {
		where = append(where, "created_at >= ?")
		args = append(args, ms(*q.CreatedAfter))
	}
	if q.CreatedBefore != nil {
		where = append(where, "created_at < ?")
		args = append(args, ms(*q.CreatedBefore))
	}
	if q.After != nil {
		// The first condition bounds the index range; the second drops the
		// rows of the cursor's millisecond at or after its id.
		where = append(where, "created_at <= ?", "(created_at < ? OR id < ?)")
		at := ms(q.After.CreatedAt)
		args = append(args, at, at, q.After.ID)
	}
	limit := q.Limit
	if limit <= 0 || limit > platform.MaxMessageLimit {
		limit = platform.DefaultMessageLimit
	}
	args = append(args, limit+1)
	cond := ""
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, " AND ")
	}
	from := ` FROM messages`
	if sqlite && clientID != "" {
		from += ` INDEXED BY ` + listIndex(q)
	}
	return `SELECT ` + messageColumns + from + cond + `
		ORDER BY created_at DESC, id DESC LIMIT ?`, args, limit
}

// listIndex is the index that serves an API client's list filtered by q:
// the most selective filter's. A status filter takes messages_client_status
// before the recipient and the number, because only its entries also hold
// the number and the recipient: a rare combination is then found without
// reading the table row of every message of one number (migration 00016).
func listIndex(q platform.MessageQuery) string {
	switch {
	case q.ExternalReference != "":
		return "messages_client_reference"
	case q.Status != "" || q.Waiting:
		return "messages_client_status"
	case q.To != "":
		return "messages_client_to"
	case q.NumberID != "":
		return "messages_client_number"
	}
	return "messages_client_created"
}
