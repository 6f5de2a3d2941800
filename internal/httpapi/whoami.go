package httpapi

import (
	"net/http"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	c := client(r)
	counts, err := s.db.CountNumbers(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	caps := []string{}
	for _, capability := range platform.AllCapabilities {
		if c.Has(capability) {
			caps = append(caps, capability)
		}
	}
	writeJSON(w, http.StatusOK, redcloud.WhoAmI{
		APIClientID: c.ID, APIClientName: c.Name, APIClientStatus: c.Status, Capabilities: caps,
		AssignedNumbers:          counts,
		InboundWebhookConfigured: c.InboundURL != nil, DeliveryWebhookConfigured: c.DeliveryURL != nil,
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 503 while the database is not ready, else 200: "ready",
// or "degraded" with what impairs sending (the server still serves).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	err := s.db.Ready(r.Context())
	var problems []string
	if err == nil {
		problems, err = s.sending.problems(r.Context())
	}
	if err != nil {
		s.log.Warn("not ready", "requestId", info(r).id, "err", err)
		s.coreError(w, r, http.StatusServiceUnavailable, redcloud.CodeServerError, "database not ready", nil)
		return
	}
	body := redcloud.Readiness{Status: redcloud.ReadinessReady}
	if len(problems) > 0 {
		body = redcloud.Readiness{Status: redcloud.ReadinessDegraded, Problems: problems}
	}
	writeJSON(w, http.StatusOK, body)
}
