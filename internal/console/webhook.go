package console

import (
	"net/http"
	"time"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/store"
)

// windows are the periods the endpoint health may cover.
var windows = []struct{ Value, Label string }{{"1h", "last hour"}, {"24h", "last 24 hours"}, {"168h", "last 7 days"}}

type webhooksData struct {
	Window    string
	Windows   []struct{ Value, Label string }
	Endpoints []store.EndpointHealth
}

// window returns the period a request asks for (?window=), 24h by default
// and for anything not offered.
func window(r *http.Request) (string, time.Duration) {
	w := r.URL.Query().Get("window")
	if r.Method == http.MethodPost {
		w = r.PostForm.Get("window")
	}
	for _, x := range windows {
		if x.Value == w {
			d, _ := time.ParseDuration(w)
			return w, d
		}
	}
	return "24h", 24 * time.Hour
}

// webhooks shows the health of every webhook endpoint.
func (c *Console) webhooks(w http.ResponseWriter, r *http.Request) {
	name, d := window(r)
	hs, err := op(r).EndpointHealth(r.Context(), c.now().Add(-d))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "webhooks", view{Title: "Webhooks", Nav: "webhooks", Notice: notice(r),
		Data: webhooksData{Window: name, Windows: windows, Endpoints: hs}})
}

// replayFailed replays the failed deliveries of the window, of one
// endpoint when the form names it (operator.ReplayFailed).
func (c *Console) replayFailed(w http.ResponseWriter, r *http.Request) {
	if !c.form(w, r) {
		return
	}
	name, d := window(r)
	f := operator.FailedFilter{Since: c.now().Add(-d), APIClientID: r.PostForm.Get("apiClientId"), URL: r.PostForm.Get("url")}
	ds, err := op(r).ReplayFailed(r.Context(), f)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	done := "replayed"
	if len(ds) == 0 {
		done = "replayed-none"
	}
	redirect(w, r, "/webhooks?window="+name+"&done="+done)
}
