package smpp

import "sync"

// Metrics counts what happens on a provider's links. The server exposes
// it on /metrics, for example as one Prometheus counter vector labelled by
// provider and counter name.
type Metrics interface {
	// Add adds n to counter (one of the Counter* names) of provider.
	Add(provider, counter string, n int)
}

// Counter names.
const (
	CounterSubmits        = "submits"          // submit_sm written
	CounterSubmitOK       = "submit_ok"        // answered ESME_ROK
	CounterThrottled      = "submit_throttled" // ESME_RTHROTTLED or ESME_RMSGQFUL
	CounterSubmitRejected = "submit_rejected"  // a permanent command_status
	CounterSubmitFailed   = "submit_failed"    // a transient command_status
	// CounterSubmitUnanswered: the link dropped (or the answer timed out)
	// with the submit written: its outcome is unknown.
	CounterSubmitUnanswered = "submit_unanswered"
	// CounterPossibleDuplicates: a part resent after its earlier submit's
	// outcome was unknown; the SMSC may deliver it twice.
	CounterPossibleDuplicates = "possible_duplicates"
	// CounterSourceRejected: the SMSC refused the source address
	// (ESME_RINVSRCADR/TON/NPI): the operator must fix the number or the
	// carrier's provisioning. Logged at Error too.
	CounterSourceRejected = "source_address_rejected"
	CounterReceipts       = "receipts"          // receipts stored against a part
	CounterReceiptsHeld   = "receipts_held"     // final receipts for an id not (yet) recorded
	CounterReceiptsBad    = "receipts_unparsed" // receipts without an id, acknowledged and dropped
	// CounterReceiptsDropped: held receipts that never matched a part
	// within HoldReceipts.
	CounterReceiptsDropped = "receipts_dropped"
	// CounterReportsDropped: outcomes the platform never took within
	// KeepParts.
	CounterReportsDropped = "reports_dropped"
	CounterInbound        = "inbound" // inbound messages handed to the platform
	// CounterInboundDropped: inbound parts whose message never completed
	// within the reassembly bounds.
	CounterInboundDropped = "inbound_incomplete_dropped"
	CounterBinds          = "binds"         // successful binds
	CounterBindFailures   = "bind_failures" // failed connects or binds
	CounterLinkDrops      = "link_drops"    // bound links that ended other than by Stop
)

type noMetrics struct{}

func (noMetrics) Add(string, string, int) {}

// Counters is an in-memory Metrics, safe for concurrent use.
type Counters struct {
	mu sync.Mutex
	m  map[[2]string]int64
}

// Add implements Metrics.
func (c *Counters) Add(provider, counter string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[[2]string]int64{}
	}
	c.m[[2]string{provider, counter}] += int64(n)
}

// Get returns counter of provider.
func (c *Counters) Get(provider, counter string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[[2]string{provider, counter}]
}
