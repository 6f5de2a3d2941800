package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// readinessTTL is how long /readyz reuses what it found about sending:
// probes come every few seconds from each load balancer, and counting the
// numbers without a route scans the numbers.
const readinessTTL = time.Second

// sendingHealth finds what impairs sending: SMPP binds of the running
// processes that are not bound and, in production, numbers without a
// route when there is no default provider.
type sendingHealth struct {
	db         *store.DB
	production bool
	now        func() time.Time

	mu    sync.Mutex
	at    time.Time
	found []string
}

func (h *sendingHealth) problems(ctx context.Context) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if !h.at.IsZero() && now.Sub(h.at) < readinessTTL && now.After(h.at) {
		return h.found, nil
	}
	ps, err := h.db.ListProviders(ctx)
	if err != nil {
		return nil, err
	}
	binds, err := h.db.ListProviderBinds(ctx, now.Add(-platform.BindStaleAfter))
	if err != nil {
		return nil, err
	}
	def, unrouted := "", 0
	if h.production {
		if def, err = h.db.DefaultProvider(ctx); err != nil {
			return nil, err
		}
		if def == "" {
			counts, err := h.db.CountRoutes(ctx)
			if err != nil {
				return nil, err
			}
			unrouted = counts[""]
		}
	}
	h.found, h.at = platform.ProviderProblems(ps, binds, h.production, def, unrouted), now
	return h.found, nil
}
