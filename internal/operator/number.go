package operator

import (
	"context"
	"errors"
	"math"
	"strings"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// NumberInput is one number to add, to the inventory or assigned to an API
// client.
type NumberInput struct {
	// E164 is the number: +1 and 10 digits (required).
	E164 string
	// ID is the numberId; empty means num_ and a generated ULID.
	ID string
	// APIClientID assigns the number; empty puts it in the inventory.
	APIClientID string
	// Status is ACTIVE or SUSPENDED, in any case (required).
	Status string
	// CampaignRegID is the 10DLC campaign, which sends need; nil for none.
	CampaignRegID *string
	// SMSEnabled and MMSEnabled say what the number may send.
	SMSEnabled, MMSEnabled bool
	// Location is where number search finds an inventory number; optional.
	Location platform.Location
}

// Validate reports what is wrong with the input, without the database.
func (in NumberInput) Validate() error {
	_, err := in.number()
	return err
}

// number validates the input and returns the number to store, without
// its id and creation time.
func (in NumberInput) number() (platform.Number, error) {
	if in.E164 == "" {
		return platform.Number{}, invalid("e164", "e164 is required, e.g. +15125550100")
	}
	npa, nxx, problem := platform.CheckNANP(in.E164)
	if problem != "" {
		return platform.Number{}, invalid("e164", "e164 %s", problem)
	}
	if in.ID != "" && !platform.ValidNumberID(in.ID) {
		return platform.Number{}, invalid("id", "id %q: must be %s followed by 1-64 letters, digits, '_' or '-'", in.ID, platform.PrefixNumber)
	}
	loc, perr := in.Location.Check(false)
	if perr != nil {
		return platform.Number{}, perr
	}
	st, err := parseStatus(in.Status)
	if err != nil {
		return platform.Number{}, err
	}
	if err := checkCampaign(in.CampaignRegID); err != nil {
		return platform.Number{}, err
	}
	return platform.Number{
		ID: in.ID, E164: in.E164, APIClientID: in.APIClientID, Status: st, CampaignRegID: in.CampaignRegID,
		SMSEnabled: in.SMSEnabled, MMSEnabled: in.MMSEnabled, NPA: npa, NXX: nxx,
		City: loc.City, State: loc.State, ZipCode: loc.ZipCode, RateCenter: loc.RateCenter,
	}, nil
}

func checkCampaign(id *string) error {
	if id != nil && !platform.ValidCampaignRegID(*id) {
		return invalid("campaignRegId", "campaignRegId %q: a campaign id is 1-64 characters without surrounding spaces", *id)
	}
	return nil
}

// AddNumber adds one number. Its API client must exist; its E.164 and id
// must be new (CONFLICT otherwise).
func (o *Operator) AddNumber(ctx context.Context, in NumberInput) (platform.Number, error) {
	n, err := in.number()
	if err != nil {
		return platform.Number{}, err
	}
	if n.ID == "" {
		n.ID = platform.NewID(platform.PrefixNumber)
	}
	n.CreatedAt = o.now()
	if n.APIClientID != "" {
		if _, err := o.getClient(ctx, n.APIClientID); err != nil {
			return platform.Number{}, err
		}
	}
	switch old, err := o.db.GetNumberByE164(ctx, n.E164); {
	case err == nil:
		return platform.Number{}, conflict("", "number %s already exists (%s)", n.E164, old.ID)
	case !errors.Is(err, platform.ErrNotFound):
		return platform.Number{}, err
	}
	switch _, err := o.db.GetNumber(ctx, n.ID); {
	case err == nil:
		return platform.Number{}, conflict("", "number id %s already exists", n.ID)
	case !errors.Is(err, platform.ErrNotFound):
		return platform.Number{}, err
	}
	if err := o.db.InsertNumber(ctx, n); err != nil {
		if errors.Is(err, platform.ErrConflict) {
			return platform.Number{}, conflict("", "number %s or id %s already exists", n.E164, n.ID)
		}
		return platform.Number{}, err
	}
	return n, o.record(ctx, ActionNumberAdd, n.ID, nil, numberState(n))
}

// GetNumber returns a number by numberId or, when ref starts with '+', by
// E.164.
func (o *Operator) GetNumber(ctx context.Context, ref string) (platform.Number, error) {
	var n platform.Number
	var err error
	if strings.HasPrefix(ref, "+") {
		n, err = o.db.GetNumberByE164(ctx, ref)
	} else {
		n, err = o.db.GetNumber(ctx, ref)
	}
	return n, missing(err, "number %s not found", ref)
}

// ListNumbers returns the numbers assigned to an API client, or every
// number when clientID is empty.
func (o *Operator) ListNumbers(ctx context.Context, clientID string) ([]platform.Number, error) {
	if clientID != "" {
		if _, err := o.getClient(ctx, clientID); err != nil {
			return nil, err
		}
	}
	return o.db.ListNumbers(ctx, clientID)
}

// ListInventory returns the numbers assigned to no API client: the ones
// number search offers.
func (o *Operator) ListInventory(ctx context.Context) ([]platform.Number, error) {
	ns, err := o.db.ListNumbers(ctx, "")
	if err != nil {
		return nil, err
	}
	kept := ns[:0]
	for _, n := range ns {
		if n.APIClientID == "" {
			kept = append(kept, n)
		}
	}
	return kept, nil
}

// numberName names a number in messages: "num_x (+1…)".
func numberName(n platform.Number) string { return n.ID + " (" + n.E164 + ")" }

// AssignNumber assigns an inventory number (by numberId or E.164) to an API
// client and returns it with whether anything changed: a number the client
// holds already is left as it is; one another client holds is a CONFLICT
// (ReasonNumberAssigned) until it is unassigned.
func (o *Operator) AssignNumber(ctx context.Context, ref, clientID string) (platform.Number, bool, error) {
	if err := CheckAssign(ref, clientID); err != nil {
		return platform.Number{}, false, err
	}
	n, err := o.GetNumber(ctx, ref)
	if err != nil {
		return platform.Number{}, false, err
	}
	if _, err := o.getClient(ctx, clientID); err != nil {
		return platform.Number{}, false, err
	}
	switch n.APIClientID {
	case clientID:
		return n, false, nil
	case "":
	default:
		return platform.Number{}, false, conflict(ReasonNumberAssigned, "number %s is assigned to api client %s; unassign it first", numberName(n), n.APIClientID).
			With("numberId", n.ID)
	}
	if err := o.db.AssignNumber(ctx, n.ID, clientID); err != nil {
		if errors.Is(err, platform.ErrConflict) {
			return platform.Number{}, false, conflict("", "number %s was just assigned to another api client: %v", numberName(n), err)
		}
		return platform.Number{}, false, missing(err, "number %s not found", n.ID)
	}
	before := numberState(n)
	n.APIClientID = clientID
	return n, true, o.record(ctx, ActionNumberAssign, n.ID, before, numberState(n))
}

// CheckAssign reports what is wrong with an assignment, without the
// database.
func CheckAssign(ref, clientID string) error {
	if clientID == "" {
		return invalid("client", "client is required: the API client to assign %s to", ref)
	}
	return nil
}

// UnassignNumber returns a number (by numberId or E.164) to the inventory
// and returns it as it was. Its webhook overrides, which belonged to the old
// owner, are cleared; its campaign and status stay. A number in the
// inventory already is left as it is.
func (o *Operator) UnassignNumber(ctx context.Context, ref string) (platform.Number, error) {
	n, err := o.GetNumber(ctx, ref)
	if err != nil || n.APIClientID == "" {
		return n, err
	}
	if err := o.db.UnassignNumber(ctx, n.ID); err != nil {
		return platform.Number{}, missing(err, "number %s not found", n.ID)
	}
	after := n
	after.APIClientID, after.WebhookInboundOverride, after.WebhookDeliveryOverride = "", nil, nil
	return n, o.record(ctx, ActionNumberUnassign, n.ID, numberState(n), numberState(after))
}

// NumberUpdate changes the operator-set attributes of a number. A nil field
// is left as it is; CampaignRegID pointing to nil clears the campaign.
type NumberUpdate struct {
	Status                 *string
	CampaignRegID          **string
	SMSEnabled, MMSEnabled *bool
	// MPS is the number's own send rate in segments per second: at least
	// MinNumberMPS, or 0 for unlimited; pointing to nil, the number takes
	// the server's --default-number-mps again.
	MPS **float64
}

// MinNumberMPS is the slowest rate a number may be given (one segment
// every 1,000 s): anything slower is a typo, not a carrier's limit.
const MinNumberMPS = 0.001

// CheckMPS reports what is wrong with a number's rate: NaN, infinite,
// negative or between 0 and MinNumberMPS.
func CheckMPS(mps float64) error {
	if math.IsNaN(mps) || math.IsInf(mps, 0) || mps < 0 || (mps > 0 && mps < MinNumberMPS) {
		return invalid("mps", "mps %v: want segments per second, at least %v, or 0 for unlimited", mps, MinNumberMPS)
	}
	return nil
}

// Validate reports what is wrong with the update, without the database.
func (u NumberUpdate) Validate() error {
	_, err := u.attrs()
	return err
}

func (u NumberUpdate) attrs() (store.NumberAttrs, error) {
	a := store.NumberAttrs{CampaignRegID: u.CampaignRegID, SMSEnabled: u.SMSEnabled, MMSEnabled: u.MMSEnabled, MPS: u.MPS}
	if u.MPS != nil && *u.MPS != nil {
		if err := CheckMPS(**u.MPS); err != nil {
			return a, err
		}
	}
	if u.Status != nil {
		st, err := parseStatus(*u.Status)
		if err != nil {
			return a, err
		}
		a.Status = &st
	}
	if u.CampaignRegID != nil {
		if err := checkCampaign(*u.CampaignRegID); err != nil {
			return a, err
		}
	}
	return a, nil
}

// UpdateNumber changes a number (by numberId or E.164) and returns it as it
// is now. A SUSPENDED number cannot send.
func (o *Operator) UpdateNumber(ctx context.Context, ref string, u NumberUpdate) (platform.Number, error) {
	a, err := u.attrs()
	if err != nil {
		return platform.Number{}, err
	}
	n, err := o.GetNumber(ctx, ref)
	if err != nil {
		return platform.Number{}, err
	}
	if err := o.db.SetNumberAttrs(ctx, n.ID, a); err != nil {
		return platform.Number{}, missing(err, "number %s not found", n.ID)
	}
	after, err := o.GetNumber(ctx, n.ID)
	if err != nil {
		return platform.Number{}, err
	}
	return after, o.record(ctx, ActionNumberUpdate, n.ID, numberState(n), numberState(after))
}

// numberState is what the audit log shows of a number.
func numberState(n platform.Number) map[string]any {
	return map[string]any{"e164": n.E164, "apiClientId": n.APIClientID, "status": n.Status,
		"campaignRegId": n.CampaignRegID, "smsEnabled": n.SMSEnabled, "mmsEnabled": n.MMSEnabled,
		"inboundUrlOverride": n.WebhookInboundOverride, "deliveryUrlOverride": n.WebhookDeliveryOverride, "mps": n.MPS}
}

// SetNumberOverrides sets or clears the webhook URL overrides of an
// assigned number (by numberId or E.164), which take precedence over its
// API client's URLs, as the client's own PATCH does; in.DeliveryURL and
// in.InboundURL are the overrides. A number in the inventory has none to
// set (CONFLICT): unassigning clears them.
func (o *Operator) SetNumberOverrides(ctx context.Context, ref string, in WebhookInput) (platform.Number, error) {
	if err := in.Validate(); err != nil {
		return platform.Number{}, err
	}
	n, err := o.GetNumber(ctx, ref)
	if err != nil {
		return platform.Number{}, err
	}
	if n.APIClientID == "" {
		return platform.Number{}, conflict("", "number %s is in the inventory; assign it before setting webhook overrides", numberName(n))
	}
	if in.DeliveryURL == nil && in.InboundURL == nil {
		return n, nil
	}
	after, err := o.db.UpdateNumber(ctx, n.APIClientID, n.ID, platform.NumberUpdateInput{
		WebhookInboundOverride: in.InboundURL, WebhookDeliveryOverride: in.DeliveryURL})
	if err != nil {
		return platform.Number{}, missing(err, "number %s is no longer assigned to %s; look again", numberName(n), n.APIClientID)
	}
	return after, o.record(ctx, ActionNumberOverrides, n.ID, numberState(n), numberState(after))
}
