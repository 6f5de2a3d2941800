package httpapi

import (
	"errors"
	"net/http"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// listOptOuts pages through the caller's opt-outs (GET /api/core/opt-outs).
func (s *Server) listOptOuts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, limit, perr := platform.DecodeOptOutPage(q.Get("limit"), q.Get("cursor"))
	if perr != nil {
		s.domainError(w, r, perr)
		return
	}
	// One more than the page tells whether a next page exists.
	rows, err := s.db.ListSuppressions(r.Context(), client(r).ID, after, limit+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := redcloud.OptOutList{OptOuts: make([]redcloud.OptOut, 0, min(len(rows), limit))}
	if len(rows) > limit {
		rows = rows[:limit]
		next := platform.OptOutCursor(rows[limit-1].E164)
		out.NextCursor = &next
	}
	for _, row := range rows {
		out.OptOuts = append(out.OptOuts, row.Wire())
	}
	writeJSON(w, http.StatusOK, out)
}

// addOptOut puts a number on the caller's opt-out list (POST
// /api/core/opt-outs): 201 with the new entry, or 200 with the one already
// there, whatever its source.
func (s *Server) addOptOut(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readJSON(w, r, false)
	if !ok {
		return
	}
	e164, perr := platform.DecodeOptOut(body)
	if perr != nil {
		s.domainError(w, r, perr)
		return
	}
	row, created, err := s.db.AddSuppression(r.Context(), platform.NewSuppression(client(r).ID, e164, s.now()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, row.Wire())
}

// MsgKeywordOptOut answers a client's DELETE of an opt-out the person made.
const MsgKeywordOptOut = "this opt-out was made by the person texting a keyword (STOP); it is lifted only by the person texting START to your number, or by an operator"

// removeOptOut removes an opt-out the caller added (DELETE
// /api/core/opt-outs/{e164}): 204; 404 when there is none; 409 for a
// keyword opt-out, which only the person (START) or an operator lifts.
func (s *Server) removeOptOut(w http.ResponseWriter, r *http.Request) {
	c := client(r)
	e164 := r.PathValue("e164")
	if !platform.ValidE164(e164) {
		s.domainError(w, r, platform.Invalid("e164", "e164 must be an E.164 phone number"))
		return
	}
	row, err := s.db.GetSuppression(r.Context(), c.ID, e164)
	if errors.Is(err, platform.ErrNotFound) {
		s.coreError(w, r, http.StatusNotFound, redcloud.CodeNotFound, "no opt-out of this number", nil)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if row.Source != platform.SuppressionAPI {
		s.coreError(w, r, http.StatusConflict, redcloud.CodeConflict, MsgKeywordOptOut, map[string]any{"reason": "keyword_opt_out"})
		return
	}
	removed, err := s.db.DeleteSuppression(r.Context(), c.ID, e164, platform.SuppressionAPI)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !removed {
		// The person texted STOP meanwhile (the row is theirs now), or a
		// concurrent DELETE won.
		s.coreError(w, r, http.StatusConflict, redcloud.CodeConflict, MsgKeywordOptOut, map[string]any{"reason": "keyword_opt_out"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
