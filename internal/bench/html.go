package bench

import (
	"fmt"
	"html/template"
	"io"
	"strings"
)

// WriteHTML writes the report as one self-contained HTML page (no script, no
// external resource): a bar chart of the throughputs and their ratios to the
// baseline, each scenario's throughput over time and latency histogram as
// inline SVG, and the table WriteTable prints.
func (rep *Report) WriteHTML(w io.Writer) error {
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil {
		return err
	}
	page := htmlPage{Title: "redcloud bench " + rep.Date.Format("2006-01-02 15:04 MST"), Command: rep.Command,
		Table: table.String(), Ratios: ratioBars(rep)}
	for _, r := range rep.all() {
		if r.Skipped != "" {
			continue
		}
		page.Scenarios = append(page.Scenarios, scenarioCharts{
			Name: r.Scenario, Description: r.Description,
			Summary:   fmt.Sprintf("%s %s, p50 %s, p99 %s, %d errors", thousands(r.Throughput), r.Unit, fmtDuration(r.Latency.P50), fmtDuration(r.Latency.P99), r.Errors),
			Timeline:  lineChart(r.Timeline, r.Unit),
			Histogram: barChart(r.Histogram),
		})
	}
	return htmlTemplate.Execute(w, page)
}

// all returns the baseline (when run) and the results.
func (rep *Report) all() []Result {
	if rep.Baseline == nil {
		return rep.Results
	}
	return append([]Result{*rep.Baseline}, rep.Results...)
}

type htmlPage struct {
	Title, Command, Table string
	Ratios                []ratioBar
	Scenarios             []scenarioCharts
}

type scenarioCharts struct {
	Name, Description, Summary string
	Timeline                   *chart
	Histogram                  *chart
}

// chart is an SVG chart of chartW×chartH with its marks already placed.
type chart struct {
	Points string // polyline points, for a line chart
	Bars   []bar
	YMax   string // the top of the y axis, labelled
	XLabel string
}

type bar struct {
	X, Y, W, H float64
	Label      string // under the bar
	Title      string // on hover
}

type ratioBar struct {
	Name  string
	Y, W  float64
	Label string
}

const (
	chartW = 480.0
	chartH = 140.0
)

// lineChart draws values per second.
func lineChart(values []float64, unit string) *chart {
	if len(values) == 0 {
		return nil
	}
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	if top == 0 {
		top = 1
	}
	var pts strings.Builder
	step := chartW / float64(max(len(values)-1, 1))
	for i, v := range values {
		fmt.Fprintf(&pts, "%.1f,%.1f ", float64(i)*step, chartH-v/top*chartH)
	}
	return &chart{Points: pts.String(), YMax: thousands(top) + " " + unit, XLabel: fmt.Sprintf("seconds 0–%d", len(values))}
}

// barChart draws a latency histogram.
func barChart(buckets []Bucket) *chart {
	if len(buckets) == 0 {
		return nil
	}
	var top int64
	for _, b := range buckets {
		top = max(top, b.Count)
	}
	c := &chart{YMax: thousands(float64(top)) + " requests", XLabel: "latency (upper bound of each bucket)"}
	w := chartW / float64(len(buckets))
	for i, b := range buckets {
		h := float64(b.Count) / float64(top) * chartH
		c.Bars = append(c.Bars, bar{X: float64(i) * w, Y: chartH - h, W: w * 0.85, H: h,
			Label: fmtMs(b.UpToMs), Title: fmt.Sprintf("≤ %s: %d", fmtMs(b.UpToMs), b.Count)})
	}
	return c
}

func fmtMs(ms float64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%gs", ms/1000)
	}
	return fmt.Sprintf("%gms", ms)
}

// ratioBars draws each result's throughput as a ratio to the baseline (or,
// without a baseline, to the largest throughput).
func ratioBars(rep *Report) []ratioBar {
	ref := 0.0
	if rep.Baseline != nil {
		ref = rep.Baseline.Throughput
	}
	all := rep.all()
	if ref == 0 {
		for _, r := range all {
			ref = max(ref, r.Throughput)
		}
	}
	if ref == 0 {
		return nil
	}
	var out []ratioBar
	for i, r := range all {
		label := fmt.Sprintf("%s %s", thousands(r.Throughput), r.Unit)
		if r.Ratio != nil {
			label += fmt.Sprintf(" (%.2f× baseline)", *r.Ratio)
		}
		if r.Skipped != "" {
			label = "skipped: " + r.Skipped
		}
		out = append(out, ratioBar{Name: r.Scenario, Y: float64(i) * 24, W: min(r.Throughput/ref, 1) * 300, Label: label})
	}
	return out
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"height": func(n int) int { return n*24 + 4 },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}h3{font-size:1em;margin-bottom:.2em}
.grid{display:flex;flex-wrap:wrap;gap:1.5em}.grid figure{margin:0}
svg text{font:11px system-ui,sans-serif;fill:#444}.line{fill:none;stroke:#c0392b;stroke-width:1.5}
.bar{fill:#2c7fb8}.ratio{fill:#c0392b}.axis{stroke:#999}
pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}
</style></head><body>
<h1>{{.Title}}</h1>
<p><code>{{.Command}}</code></p>
{{if .Ratios}}<h2>Throughput, as a share of the baseline</h2>
<svg width="760" height="{{height (len .Ratios)}}" role="img" aria-label="throughput per scenario">
{{range .Ratios}}<text x="0" y="{{.Y}}" dy="15">{{.Name}}</text>
<rect class="ratio" x="110" y="{{.Y}}" width="{{.W}}" height="18"></rect>
<text x="{{.W}}" dx="118" y="{{.Y}}" dy="14">{{.Label}}</text>
{{end}}</svg>{{end}}
{{range .Scenarios}}<h2>{{.Name}}</h2><p>{{.Description}}<br>{{.Summary}}</p>
<div class="grid">
{{with .Timeline}}<figure><h3>Throughput over time</h3>
<svg width="540" height="175" viewBox="-50 -10 540 175" role="img" aria-label="throughput per second">
<line class="axis" x1="0" y1="140" x2="480" y2="140"></line><line class="axis" x1="0" y1="0" x2="0" y2="140"></line>
<text x="4" y="-2">{{.YMax}}</text><text x="0" y="158">{{.XLabel}}</text>
<polyline class="line" points="{{.Points}}"></polyline></svg></figure>{{end}}
{{with .Histogram}}<figure><h3>Latency distribution</h3>
<svg width="540" height="175" viewBox="-50 -10 540 175" role="img" aria-label="latency histogram">
<line class="axis" x1="0" y1="140" x2="480" y2="140"></line>
<text x="4" y="-2">{{.YMax}}</text>
{{range .Bars}}<rect class="bar" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect>
<text x="{{.X}}" y="153" font-size="9">{{.Label}}</text>{{end}}
<text x="0" y="165">{{.XLabel}}</text></svg></figure>{{end}}
</div>{{end}}
<h2>Table</h2>
<pre>{{.Table}}</pre>
</body></html>
`))
