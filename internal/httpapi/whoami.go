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

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.db.Ready(r.Context()); err != nil {
		s.log.Warn("not ready", "requestId", info(r).id, "err", err)
		s.coreError(w, r, http.StatusServiceUnavailable, redcloud.CodeServerError, "database not ready", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
