package httpapi

import (
	"bytes"
	"net/http"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	e := info(r).auth
	if b := e.whoami.Load(); b != nil {
		writeRaw(w, http.StatusOK, *b)
		return
	}
	c := &e.client
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
	var buf bytes.Buffer
	b, err := encodeJSON(&buf, redcloud.WhoAmI{
		APIClientID: c.ID, APIClientName: c.Name, APIClientStatus: c.Status, Capabilities: caps,
		AssignedNumbers:          counts,
		InboundWebhookConfigured: c.InboundURL != nil, DeliveryWebhookConfigured: c.DeliveryURL != nil,
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Every later whoami of this token entry answers these bytes: the
	// client in it and the counts are then at most AuthCacheTTL old.
	e.whoami.Store(&b)
	writeRaw(w, http.StatusOK, b)
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
