package metrics

import (
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// RouteRequests counts the requests of one route by status. Every request
// counts one: it finds its counter by indexing an array instead of hashing
// the label values and locking the vector (WithLabelValues), and formats
// no status.
type RouteRequests struct {
	vec      *prometheus.CounterVec
	route    string
	byStatus [600]atomic.Pointer[prometheus.Counter]
}

// Route returns the request counters of route, the label Request uses.
func (m *Metrics) Route(route string) *RouteRequests {
	return &RouteRequests{vec: m.requests, route: route}
}

// Inc counts one request answered status.
func (r *RouteRequests) Inc(status int) {
	if status < 0 || status >= len(r.byStatus) {
		r.vec.WithLabelValues(r.route, strconv.Itoa(status)).Inc()
		return
	}
	c := r.byStatus[status].Load()
	if c == nil {
		// Concurrent first requests may both look it up: the vector returns
		// the same counter to both.
		counter := r.vec.WithLabelValues(r.route, strconv.Itoa(status))
		c = &counter
		r.byStatus[status].Store(c)
	}
	(*c).Inc()
}
