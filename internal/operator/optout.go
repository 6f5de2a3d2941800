package operator

import (
	"context"
	"strings"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// MaxOptOutLimit is the most opt-outs ListOptOuts returns at once.
const MaxOptOutLimit = 10000

// ListOptOuts lists up to limit of an API client's opt-outs, by phone number.
func (o *Operator) ListOptOuts(ctx context.Context, clientID string, limit int) ([]platform.Suppression, error) {
	if limit < 1 || limit > MaxOptOutLimit {
		return nil, invalid("limit", "limit must be 1-%d", MaxOptOutLimit)
	}
	if _, err := o.db.GetAPIClient(ctx, clientID); err != nil {
		return nil, missing(err, "no API client %s", clientID)
	}
	return o.db.ListSuppressions(ctx, clientID, "", limit)
}

// AddOptOut puts e164 on an API client's opt-out list as an api opt-out
// (as the client's own POST /api/core/opt-outs does) and returns the entry,
// with whether it is new.
func (o *Operator) AddOptOut(ctx context.Context, clientID, e164 string) (platform.Suppression, bool, error) {
	if !platform.ValidE164(e164) {
		return platform.Suppression{}, false, invalid("e164", "e164 %q is not an E.164 phone number", e164)
	}
	if _, err := o.db.GetAPIClient(ctx, clientID); err != nil {
		return platform.Suppression{}, false, missing(err, "no API client %s", clientID)
	}
	s, created, err := o.db.AddSuppression(ctx, platform.NewSuppression(clientID, e164, o.now()))
	if err != nil || !created {
		return s, created, err
	}
	return s, created, o.record(ctx, ActionOptOutAdd, clientID+" "+e164, nil, map[string]string{"source": s.Source})
}

// RemoveOptOut lifts an API client's opt-out of e164, whatever its source,
// and records the removal with reason. A keyword opt-out (the person texted
// STOP) requires a reason: the operator lifts what the person asked for.
func (o *Operator) RemoveOptOut(ctx context.Context, clientID, e164, reason string) (platform.Suppression, error) {
	reason = strings.TrimSpace(reason)
	if !platform.ValidE164(e164) {
		return platform.Suppression{}, invalid("e164", "e164 %q is not an E.164 phone number", e164)
	}
	s, err := o.db.GetSuppression(ctx, clientID, e164)
	if err != nil {
		return s, missing(err, "API client %s has no opt-out of %s", clientID, e164)
	}
	if s.Source == platform.SuppressionKeyword && reason == "" {
		return s, invalid("reason", "reason is required to lift a keyword opt-out (the person texted %s)", s.Keyword)
	}
	removed, err := o.db.RemoveSuppressionRecorded(ctx, s, reason, o.now())
	if err != nil {
		return s, err
	}
	if !removed {
		return s, conflict("", "the opt-out of %s changed meanwhile; look again", e164)
	}
	return s, o.record(ctx, ActionOptOutRemove, clientID+" "+e164,
		map[string]string{"source": s.Source, "keyword": s.Keyword}, map[string]string{"reason": reason})
}
