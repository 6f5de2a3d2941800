package httpapi

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// shapingPath returns the buckets a send from n takes from (nil when no
// rate limits it).
func (s *Server) shapingPath(r *http.Request, n platform.Number, messageType string) ([]platform.Bucket, error) {
	if s.cfg.DefaultNumberMPS == 0 {
		// Unlimited by default: skip the campaign read unless some limit exists.
		if limited, err := s.db.AnyShapingLimits(r.Context()); err != nil || !limited {
			return nil, err
		}
	}
	var c platform.Campaign
	if n.CampaignRegID != nil {
		var err error
		c, err = s.db.GetCampaign(r.Context(), *n.CampaignRegID)
		if err != nil && !errors.Is(err, platform.ErrNotFound) {
			return nil, err
		}
	}
	return platform.ShapingPath(n, messageType, s.cfg.DefaultNumberMPS, c), nil
}

// horizon refuses the recipients whose messages would wait in their
// buckets' queues past the message validity (errors[] entries with reason
// queue_full, in index order) and returns the others, and when the first
// refused one would fit again.
func (s *Server) horizon(r *http.Request, path []platform.Bucket, in platform.SendInput, ok []platform.Recipient,
	bad []redcloud.RecipientError, now time.Time) ([]platform.Recipient, []redcloud.RecipientError, time.Time, error) {
	states, err := s.db.BucketStates(r.Context(), platform.BucketKeys(path))
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	cost := platform.Cost(platform.WithEncoding(platform.Message{MessageType: in.MessageType, Text: in.Text}))
	kept := ok[:0:0]
	var retryAt time.Time
	for _, rc := range ok {
		p := platform.Place(path, states, cost, now, s.cfg.MessageValidity)
		if !p.Refused {
			kept = append(kept, rc)
			continue
		}
		if retryAt.IsZero() {
			retryAt = p.RetryAt
		}
		bad = append(bad, platform.QueueFullError(rc, p, s.cfg.MessageValidity))
	}
	if len(kept) < len(ok) {
		slices.SortFunc(bad, func(a, b redcloud.RecipientError) int { return cmp.Compare(a.Index, b.Index) })
	}
	return kept, bad, retryAt, nil
}
