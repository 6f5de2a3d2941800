package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/store"
)

// auditPageSize is how many entries a page of the audit log shows.
const auditPageSize = 50

type auditData struct {
	Actor, Action, Target string
	Entries               []store.AuditEntry
	// Next links the next page; "" when none follows (see messagesData).
	Next template.URL
}

// auditCursor is where a page of the audit log starts: "<unix ms>.<id>"
// of the last entry shown.
func auditCursor(e store.AuditEntry) string {
	return strconv.FormatInt(e.At.UnixMilli(), 10) + "." + e.ID
}

func parseAuditCursor(s string) (*store.AuditEntry, bool) {
	at, id, ok := strings.Cut(s, ".")
	ms, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" || ms < 0 {
		return nil, false
	}
	return &store.AuditEntry{At: time.UnixMilli(ms).UTC(), ID: id}, true
}

// audit lists the audit log, newest first, filtered by actor, action and
// target.
func (c *Console) audit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := auditData{Actor: q.Get("actor"), Action: q.Get("action"), Target: q.Get("target")}
	f := operator.AuditFilter{Actor: d.Actor, Action: d.Action, Target: d.Target, Limit: auditPageSize}
	if s := q.Get("before"); s != "" {
		before, ok := parseAuditCursor(s)
		if !ok {
			c.errorPage(w, r, http.StatusBadRequest, "The page link is damaged; start again from the first page.")
			return
		}
		f.Before = before
	}
	es, more, err := op(r).ListAudit(r.Context(), f)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Entries = es
	if more {
		next := url.Values{}
		for k, v := range map[string]string{"actor": d.Actor, "action": d.Action, "target": d.Target} {
			if v != "" {
				next.Set(k, v)
			}
		}
		next.Set("before", auditCursor(es[len(es)-1]))
		d.Next = template.URL("/audit?" + next.Encode())
	}
	c.render(w, r, http.StatusOK, "audit", view{Title: "Audit log", Nav: "audit", Data: d})
}
