package console

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/webhook"
)

// series are the overview chart's lines, in operator.OverviewTypes order.
var series = []struct{ typ, label, class string }{
	{webhook.TypeQueued, "accepted", "s-accepted"},
	{webhook.TypeSent, "sent", "s-sent"},
	{webhook.TypeDelivery, "delivered", "s-delivered"},
	{webhook.TypeFailed, "failed", "s-failed"},
}

// chart is an SVG line chart drawn on the server: no script draws it.
type chart struct {
	Width, Height int
	Lines         []chartLine
	Max           int
	// Ticks label the time axis.
	Ticks []chartTick
	// GridY is the y of the top grid line (the Max value).
	GridY int
	Label string
}

type chartLine struct {
	Label, Class, Points string
	Total                int
}

type chartTick struct {
	X     int
	Label string
}

// Chart geometry: the plot area inside the SVG's view box.
const (
	chartW, chartH             = 600, 180
	chartLeft, chartRight      = 36, 8
	chartTop, chartBottomSpace = 12, 22
)

func newChart(bs []store.EventBucket) chart {
	c := chart{Width: chartW, Height: chartH, GridY: chartTop}
	for _, b := range bs {
		for _, s := range series {
			c.Max = max(c.Max, b.Counts[s.typ])
		}
	}
	top := max(c.Max, 1)
	plotW := chartW - chartLeft - chartRight
	plotH := chartH - chartTop - chartBottomSpace
	x := func(i int) int {
		if len(bs) < 2 {
			return chartLeft
		}
		return chartLeft + i*plotW/(len(bs)-1)
	}
	var summary []string
	for _, s := range series {
		var pts []string
		total := 0
		for i, b := range bs {
			n := b.Counts[s.typ]
			total += n
			pts = append(pts, fmt.Sprintf("%d,%d", x(i), chartTop+plotH-n*plotH/top))
		}
		c.Lines = append(c.Lines, chartLine{Label: s.label, Class: s.class, Points: strings.Join(pts, " "), Total: total})
		summary = append(summary, fmt.Sprintf("%d %s", total, s.label))
	}
	for i := 0; i < len(bs); i += 15 {
		c.Ticks = append(c.Ticks, chartTick{X: x(i), Label: bs[i].Start.UTC().Format("15:04")})
	}
	c.Label = "Messages in the last hour, per minute: " + strings.Join(summary, ", ")
	return c
}

type overviewData struct {
	Chart    chart
	Overview operator.Overview
	// Failing are the endpoints with a failure or an error in the hour.
	Failing []store.EndpointHealth
	// Providers are the upstream providers with their live binds.
	Providers []operator.ProviderSummary
}

// overview shows the last hour at a glance and reloads its live part.
func (c *Console) overview(w http.ResponseWriter, r *http.Request) {
	o, err := op(r).GetOverview(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ps, err := op(r).ListProviders(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := overviewData{Chart: newChart(o.Buckets), Overview: o, Providers: ps}
	for _, e := range o.Endpoints {
		if e.Failed > 0 || e.LastError != "" {
			d.Failing = append(d.Failing, e)
		}
	}
	c.render(w, r, http.StatusOK, "overview", view{Title: "Overview", Nav: "overview", Data: d})
}
