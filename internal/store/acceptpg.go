package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// acceptPostgres is Accept on PostgreSQL in one statement, so one round trip
// that commits on its own (the group committer's BEGIN, seven statements
// and COMMIT were nine). The statement checks the sending number, takes the
// key — replacing an expired record, as Accept's DELETE then INSERT do —
// and inserts the messages, events and deliveries only when it took the key:
// an acceptance is all or nothing, and a live key taken by another process
// is never written over (ON CONFLICT waits for that process's transaction).
// PostgreSQL flushes concurrent commits together, so durability costs one
// flush per group of acceptances, not one each.
//
// It reports whether the key was taken and whether the sender was valid.
func (db *DB) acceptPostgres(ctx context.Context, a platform.Acceptance) (created, senderOK bool, err error) {
	r := a.Record
	var (
		mID, mClient, mNumber, mDir, mFrom, mTo, mType, mText, mMedia, mRef, mKey, mStatus []string
		mFailCode, mFailMsg, mProvRef, mEnc, mNonGSM, mFailProv                            []string
		mSeq, mAttempts, mExpires, mCreated, mUpdated                                      []int64
		mNext, mQueued                                                                     []*int64
		mSegments, mReply                                                                  []int32
	)
	for _, m := range a.Messages {
		media, _ := json.Marshal(nonNil(m.MediaURLs))
		nonGSM, _ := json.Marshal(nonNil(m.NonGSMCharacters))
		mID, mClient, mNumber, mDir = append(mID, m.ID), append(mClient, m.APIClientID), append(mNumber, m.NumberID), append(mDir, m.Direction)
		mFrom, mTo, mType, mText = append(mFrom, m.From), append(mTo, m.To), append(mType, m.MessageType), append(mText, m.Text)
		mMedia, mRef, mKey, mStatus = append(mMedia, string(media)), append(mRef, m.ExternalReference), append(mKey, m.IdempotencyKey), append(mStatus, m.Status)
		mFailCode, mFailMsg, mProvRef = append(mFailCode, m.FailureCode), append(mFailMsg, m.FailureMessage), append(mProvRef, m.ProviderRef)
		mSeq, mAttempts, mNext = append(mSeq, m.Sequence), append(mAttempts, int64(m.Attempts)), append(mNext, msPtr(m.NextAttemptAt))
		mExpires, mCreated, mUpdated = append(mExpires, ms(m.ExpiresAt)), append(mCreated, ms(m.CreatedAt)), append(mUpdated, ms(m.UpdatedAt))
		mEnc, mSegments, mNonGSM = append(mEnc, m.Encoding), append(mSegments, int32(m.Segments)), append(mNonGSM, string(nonGSM))
		mReply, mFailProv, mQueued = append(mReply, int32(b2i(m.KeywordReply))), append(mFailProv, m.FailureProviderCode), append(mQueued, msPtr(m.QueuedUntil))
	}
	var (
		eID, eMessage, eClient, eType []string
		eSeq, eCreated                []int64
		eBody                         [][]byte
	)
	for _, e := range a.Events {
		eID, eMessage, eClient, eType = append(eID, e.ID), append(eMessage, e.MessageID), append(eClient, e.APIClientID), append(eType, e.Type)
		eSeq, eBody, eCreated = append(eSeq, e.Sequence), append(eBody, e.Body), append(eCreated, ms(e.CreatedAt))
	}
	var (
		dID, dEvent, dClient, dURL, dState []string
		dNext                              []*int64
		dCreated, dUpdated                 []int64
	)
	for _, d := range a.Deliveries {
		dID, dEvent, dClient, dURL, dState = append(dID, d.ID), append(dEvent, d.EventID), append(dClient, d.APIClientID), append(dURL, d.URL), append(dState, d.State)
		dNext, dCreated, dUpdated = append(dNext, msPtr(d.NextAttemptAt)), append(dCreated, ms(d.CreatedAt)), append(dUpdated, ms(d.UpdatedAt))
	}
	err = db.write.QueryRowContext(ctx, acceptPostgresSQL,
		a.Messages[0].NumberID, r.APIClientID, redcloud.StatusActive,
		r.Key, r.Fingerprint, r.Payload, r.Status, r.Response, ms(r.CreatedAt), ms(r.ExpiresAt),
		mID, mClient, mNumber, mDir, mFrom, mTo, mType, mText, mMedia, mRef, mKey, mStatus, mFailCode, mFailMsg,
		mProvRef, mSeq, mAttempts, mNext, mExpires, mCreated, mUpdated, mEnc, mSegments, mNonGSM, mReply, mFailProv, mQueued,
		eID, eMessage, eClient, eType, eSeq, eBody, eCreated,
		dID, dEvent, dClient, dURL, dState, dNext, dCreated, dUpdated,
	).Scan(&created, &senderOK)
	if err != nil {
		return false, false, fmt.Errorf("accept: %w", err)
	}
	return created, senderOK, nil
}

// acceptPostgresSQL: the data-modifying CTEs run in one snapshot; m, e and
// d read k, so they run after it and insert nothing unless k took the key.
// The foreign keys between them are checked at the statement's end.
const acceptPostgresSQL = `WITH sender AS (
	SELECT 1 FROM numbers WHERE id = $1::text AND api_client_id = $2::text AND status = $3::text
), k AS (
	INSERT INTO idempotency_keys (api_client_id, key, fingerprint, payload, status, response, created_at, expires_at)
	SELECT $2::text, $4::text, $5::text, $6::bytea, $7::bigint, $8::bytea, $9::bigint, $10::bigint
	WHERE EXISTS (SELECT 1 FROM sender)
	ON CONFLICT (api_client_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, payload = excluded.payload,
		status = excluded.status, response = excluded.response, created_at = excluded.created_at,
		expires_at = excluded.expires_at
	WHERE idempotency_keys.expires_at <= excluded.created_at
	RETURNING 1
), m AS (
	INSERT INTO messages (id, api_client_id, number_id, direction, from_e164, to_e164, message_type, text, media_urls,
		external_reference, idempotency_key, status, failure_code, failure_message, provider_ref, sequence, attempts,
		next_attempt_at, expires_at, created_at, updated_at, encoding, segments, non_gsm_characters, keyword_reply,
		failure_provider_code, queued_until)
	SELECT * FROM unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[],
		$18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[],
		$26::bigint[], $27::bigint[], $28::bigint[], $29::bigint[], $30::bigint[], $31::bigint[], $32::text[],
		$33::integer[], $34::text[], $35::integer[], $36::text[], $37::bigint[])
	WHERE EXISTS (SELECT 1 FROM k)
), e AS (
	INSERT INTO events (id, message_id, api_client_id, type, sequence, body, created_at)
	SELECT * FROM unnest($38::text[], $39::text[], $40::text[], $41::text[], $42::bigint[], $43::bytea[], $44::bigint[])
	WHERE EXISTS (SELECT 1 FROM k)
), d AS (
	INSERT INTO deliveries (id, event_id, api_client_id, url, state, next_attempt_at, created_at, updated_at)
	SELECT * FROM unnest($45::text[], $46::text[], $47::text[], $48::text[], $49::text[], $50::bigint[], $51::bigint[],
		$52::bigint[])
	WHERE EXISTS (SELECT 1 FROM k)
)
SELECT EXISTS (SELECT 1 FROM k), EXISTS (SELECT 1 FROM sender)`

// msPtr is ms for a nullable time.
func msPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UnixMilli()
	return &v
}

// acceptTaken answers Accept when acceptPostgres took no key: another
// acceptance holds it (its record is returned), or else the sender changed.
// A live key wins over a changed sender, as in the transaction of Accept.
func (db *DB) acceptTaken(ctx context.Context, r platform.IdempotencyRecord, senderOK bool) (platform.IdempotencyRecord, bool, error) {
	rec, err := getIdempotency(ctx, db.w(), r.APIClientID, r.Key, r.CreatedAt)
	if errors.Is(err, platform.ErrNotFound) && !senderOK {
		return r, false, ErrSenderChanged
	}
	return rec, false, err
}
