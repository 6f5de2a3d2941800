package httpapi

import (
	"net/http"
	"net/url"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// listMessages lists the caller's messages, newest first
// (GET /api/core/messages).
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	// r.URL.Query would drop a malformed pair silently, and with it a filter.
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.coreError(w, r, http.StatusBadRequest, redcloud.CodeInvalidRequest, "the query string is malformed", nil)
		return
	}
	c := client(r)
	q, perr := platform.DecodeMessageQuery(values, c.ID)
	if perr != nil {
		s.domainError(w, r, perr)
		return
	}
	page, more, err := s.db.ListMessages(r.Context(), c.ID, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := redcloud.MessageList{Messages: make([]redcloud.Message, 0, len(page))}
	for _, m := range page {
		wm := wireMessage(m, nil)
		wm.Events = nil // a list leaves the events out
		out.Messages = append(out.Messages, wm)
	}
	if more {
		next := q.NextCursor(c.ID, page[len(page)-1])
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}
