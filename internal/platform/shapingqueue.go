package platform

import "time"

// What a shared shaping bucket limits (the first part of its key).
const (
	ShapingScopeNumber   = "number"
	ShapingScopeCampaign = "campaign"
)

// ShapingQueue is the work waiting for one number's or one campaign's
// buckets.
type ShapingQueue struct {
	Scope string // ShapingScopeNumber or ShapingScopeCampaign
	ID    string // the numberId or the campaignRegId
	// Segments are those (an MMS counts 1) of the QUEUED messages waiting
	// for tokens.
	Segments int64
	// Wait is how long until the last of them is estimated to be sent; 0
	// when all are due.
	Wait time.Duration
}

// BucketRate is the configured limit of one shared bucket.
type BucketRate struct {
	Scope string // ShapingScopeNumber or ShapingScopeCampaign
	ID    string
	Type  string // "sms", "mms" or "day" (a campaign's daily cap)
	// Rate is in segments per second; for "day", segments per Pacific day.
	Rate float64
}

// ShapingSnapshot is throughput shaping as the metrics show it: what waits
// and the limits it waits for.
type ShapingSnapshot struct {
	Queues []ShapingQueue
	Rates  []BucketRate
}
