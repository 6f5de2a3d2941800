package operator

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Audit actions: what an entry of the audit log says was done.
const (
	ActionAccountCreate            = "account.create"
	ActionAccountStatus            = "account.status"
	ActionClientCreate             = "client.create"
	ActionClientStatus             = "client.status"
	ActionClientRotateSecret       = "client.rotate-secret"
	ActionClientRevokeTokens       = "client.revoke-tokens"
	ActionClientCapabilities       = "client.capabilities"
	ActionClientWebhooks           = "client.webhooks"
	ActionClientRotateWebhookKey   = "client.rotate-webhook-secret"
	ActionClientActivateWebhookKey = "client.activate-webhook-secret"
	ActionNumberAdd                = "number.add"
	ActionNumberImport             = "number.import"
	ActionNumberAssign             = "number.assign"
	ActionNumberUnassign           = "number.unassign"
	ActionNumberUpdate             = "number.update"
	ActionNumberOverrides          = "number.overrides"
	ActionEventReplay              = "event.replay"
	ActionOptOutAdd                = "opt-out.add"
	ActionOptOutRemove             = "opt-out.remove"
	ActionModeChange               = "mode.change"
	ActionOperatorAdd              = "operator.add"
	ActionOperatorRemove           = "operator.remove"
	ActionOperatorPassword         = "operator.reset-password"
	ActionClientKeywordReplies     = "client.keyword-replies"
	ActionProviderAdd              = "provider.add"
	ActionProviderUpdate           = "provider.update"
	ActionProviderRemove           = "provider.remove"
	ActionProviderDefault          = "provider.default"
	ActionNumberRoute              = "number.route"
	ActionCampaignSet              = "campaign.set"
)

// record writes the audit entry of an action that succeeded: this
// Operator's actor, now, action, target and the state before and after
// (JSON objects; nil for none). Every state-changing action calls it, so
// the console and `redcloud admin` audit alike. It is written after the
// action, with a context that is not canceled with the request: an entry
// that cannot be written fails the call, which names what was done.
func (o *Operator) record(ctx context.Context, action, target string, before, after any) error {
	e := store.AuditEntry{ID: platform.NewID("aud_"), At: o.now(), Actor: o.actor, Action: action, Target: target,
		Before: auditJSON(before), After: auditJSON(after)}
	if err := o.db.InsertAudit(context.WithoutCancel(ctx), e); err != nil {
		return fmt.Errorf("%s %s was done, but recording it in the audit log failed: %w", action, target, err)
	}
	return nil
}

// auditJSON encodes a state; nil is no state ("{}").
func auditJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(fmt.Sprintf(`{"unencodable":%q}`, err.Error()))
	}
	return b
}

// MaxAuditLimit is the most entries ListAudit returns at once.
const MaxAuditLimit = 500

// AuditFilter selects audit entries; empty fields match every entry.
type AuditFilter struct {
	Actor, Action, Target string
	// Before continues a listing after this entry (the last of a page).
	Before *store.AuditEntry
	// Limit is 1 to MaxAuditLimit (required).
	Limit int
}

// ListAudit returns a page of the audit log, newest first, and whether
// more follow.
func (o *Operator) ListAudit(ctx context.Context, f AuditFilter) ([]store.AuditEntry, bool, error) {
	if f.Limit < 1 || f.Limit > MaxAuditLimit {
		return nil, false, invalid("limit", "limit must be 1-%d", MaxAuditLimit)
	}
	return o.db.ListAudit(ctx, store.AuditQuery{Actor: strings.TrimSpace(f.Actor), Action: strings.TrimSpace(f.Action),
		Target: strings.TrimSpace(f.Target), Before: f.Before, Limit: f.Limit})
}
