package redcloud

// Readiness values of GET /readyz.
const (
	ReadinessReady    = "ready"
	ReadinessDegraded = "degraded"
)

// Readiness is the 200 body of GET /readyz [extension]: "ready", or
// "degraded" with Problems saying what slows or stops sending (an SMPP bind
// that is not bound; in production, numbers without a provider route and
// no default provider). A degraded server still serves the API.
type Readiness struct {
	Status   string   `json:"status"`
	Problems []string `json:"problems,omitempty"`
}
