package httpapi

import (
	"errors"
	"net/http"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

func (s *Server) listNumbers(w http.ResponseWriter, r *http.Request) {
	ns, err := s.db.ListNumbers(r.Context(), client(r).ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := redcloud.NumberList{Numbers: make([]redcloud.Number, 0, len(ns))}
	for _, n := range ns {
		out.Numbers = append(out.Numbers, n.Wire())
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) searchNumbers(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readJSON(w, r, true)
	if !ok {
		return
	}
	in, perr := platform.DecodeSearch(body)
	if perr != nil {
		s.domainError(w, r, perr)
		return
	}
	res, err := s.db.SearchInventory(r.Context(), in)
	if err != nil {
		// The inventory is the upstream of this route (CONTRACT §4.2).
		s.log.Error("number inventory failed", "requestId", info(r).id, "err", err)
		s.coreError(w, r, http.StatusBadGateway, redcloud.CodeUpstreamError, "number inventory is unavailable; retry", nil)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) updateNumber(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readJSON(w, r, false)
	if !ok {
		return
	}
	in, perr := platform.DecodeNumberUpdate(body, s.cfg.Sandbox)
	if perr != nil {
		s.domainError(w, r, perr)
		return
	}
	var n platform.Number
	err := platform.ErrNotFound // not storable: nobody's number
	if id := r.PathValue("numberId"); storable(id) {
		n, err = s.db.UpdateNumber(r.Context(), client(r).ID, id, in)
	}
	if errors.Is(err, platform.ErrNotFound) {
		s.coreError(w, r, http.StatusForbidden, redcloud.CodeForbidden, "numberId is not owned by this API client",
			map[string]any{"field": "numberId"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n.Wire())
}
