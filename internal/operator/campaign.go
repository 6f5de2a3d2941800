package operator

import (
	"context"
	"errors"
	"sort"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// CampaignUpdate changes a 10DLC campaign's limits, which all numbers whose
// campaignRegId is the campaign share. A nil field keeps its value; 0
// removes that limit.
type CampaignUpdate struct {
	// SMSTPM is SMS segments per minute.
	SMSTPM *int64
	// MMSTPM is MMS per minute.
	MMSTPM *int64
	// DailyCap is SMS segments plus MMS per day, reset at midnight
	// America/Los_Angeles.
	DailyCap *int64
}

// Validate reports what is wrong with the update of campaign id, without
// the database.
func (u CampaignUpdate) Validate(id string) error {
	if err := checkCampaignID(id); err != nil {
		return err
	}
	for _, f := range []struct {
		field, what string
		v           *int64
	}{{"smsTpm", "SMS segments per minute", u.SMSTPM}, {"mmsTpm", "MMS per minute", u.MMSTPM},
		{"dailyCap", "SMS segments plus MMS per Pacific day", u.DailyCap}} {
		if f.v != nil && *f.v < 0 {
			return invalid(f.field, "%s %d: want %s, or 0 to remove the limit", f.field, *f.v, f.what)
		}
	}
	return nil
}

func checkCampaignID(id string) error {
	if !platform.ValidCampaignRegID(id) {
		return invalid("campaignId", "campaignId %q: a campaign id (a numbers' campaignRegId) is 1-64 characters without surrounding spaces", id)
	}
	return nil
}

// Campaign is a campaign's limits and the numbers that share them.
type Campaign struct {
	platform.Campaign
	// Numbers are the numbers whose campaignRegId is the campaign, by id,
	// each with its own rate (MPS).
	Numbers []platform.Number
}

// SetCampaign changes some of a campaign's limits and returns it as it is
// now. The campaign need not exist yet, nor any number name it: limits may
// be set before its numbers arrive. A campaign left with no limit at all
// is removed.
func (o *Operator) SetCampaign(ctx context.Context, id string, u CampaignUpdate) (Campaign, error) {
	if err := u.Validate(id); err != nil {
		return Campaign{}, err
	}
	before, after, err := o.db.UpdateCampaign(ctx, id, store.CampaignUpdate{SMSTPM: u.SMSTPM, MMSTPM: u.MMSTPM, DailyCap: u.DailyCap}, o.now())
	if err != nil {
		return Campaign{}, err
	}
	ns, err := o.db.CampaignNumbers(ctx, id)
	if err != nil {
		return Campaign{}, err
	}
	return Campaign{Campaign: after, Numbers: ns}, o.record(ctx, ActionCampaignSet, id, campaignState(before), campaignState(after))
}

// GetCampaign returns a campaign's limits (none for a campaign never set)
// and its numbers; NOT_FOUND when it has neither.
func (o *Operator) GetCampaign(ctx context.Context, id string) (Campaign, error) {
	if err := checkCampaignID(id); err != nil {
		return Campaign{}, err
	}
	c, err := o.db.GetCampaign(ctx, id)
	if err != nil && !errors.Is(err, platform.ErrNotFound) {
		return Campaign{}, err
	}
	ns, nerr := o.db.CampaignNumbers(ctx, id)
	if nerr != nil {
		return Campaign{}, nerr
	}
	if err != nil && len(ns) == 0 {
		return Campaign{}, notFound("campaign %s not found: it has no limits and no number names it", id)
	}
	return Campaign{Campaign: c, Numbers: ns}, nil
}

// CampaignSummary is a line of the campaign list.
type CampaignSummary struct {
	platform.Campaign
	// Numbers counts the numbers whose campaignRegId is the campaign.
	Numbers int
}

// ListCampaigns returns, by id, every campaign that has limits or that a
// number names (those without limits have none to show).
func (o *Operator) ListCampaigns(ctx context.Context) ([]CampaignSummary, error) {
	cs, err := o.db.ListCampaigns(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := o.db.CampaignNumberCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]CampaignSummary, 0, len(cs)+len(counts))
	for _, c := range cs {
		out = append(out, CampaignSummary{Campaign: c, Numbers: counts[c.ID]})
		delete(counts, c.ID)
	}
	for id, n := range counts {
		out = append(out, CampaignSummary{Campaign: platform.Campaign{ID: id}, Numbers: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// campaignState is what the audit log shows of a campaign's limits: null
// for a limit not set; nil (no state) for a campaign without any.
func campaignState(c platform.Campaign) any {
	if !c.Limited() {
		return nil
	}
	return map[string]any{"smsTpm": campaignLimit(c.SMSTPM), "mmsTpm": campaignLimit(c.MMSTPM), "dailyCap": campaignLimit(c.DailyCap)}
}

// campaignLimit is a campaign limit for JSON: nil when it is not set (0).
func campaignLimit(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}
