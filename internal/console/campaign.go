package console

import (
	"net/http"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

type campaignsData struct {
	Campaigns []campaignRow
}

// campaignRow is a campaign with its limits and its numbers.
type campaignRow struct {
	operator.CampaignSummary
	Numbers []platform.Number
}

// campaigns lists the 10DLC campaigns — those with limits and those numbers
// name — with their limits and their numbers' send rates.
func (c *Console) campaigns(w http.ResponseWriter, r *http.Request) {
	cs, err := op(r).ListCampaigns(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	// One read of the numbers, not one per campaign.
	ns, err := op(r).ListNumbers(r.Context(), "")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	byCampaign := map[string][]platform.Number{}
	for _, n := range ns {
		if n.CampaignRegID != nil {
			byCampaign[*n.CampaignRegID] = append(byCampaign[*n.CampaignRegID], n)
		}
	}
	d := campaignsData{Campaigns: make([]campaignRow, 0, len(cs))}
	for _, s := range cs {
		d.Campaigns = append(d.Campaigns, campaignRow{CampaignSummary: s, Numbers: byCampaign[s.ID]})
	}
	c.render(w, r, http.StatusOK, "campaigns", view{Title: "Campaigns", Nav: "campaigns", Notice: notice(r), Data: d})
}
