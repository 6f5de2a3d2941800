package console_test

import (
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/operator"
)

// TestShapingPages: the numbers pages show each number's send rate, and
// /campaigns the campaigns' limits with their numbers, as text.
func TestShapingPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for id, mps := range map[string]float64{"num_a": 1.5, "num_b": 0} {
		m := &mps
		_, err := e.op.UpdateNumber(e.ctx, id, operator.NumberUpdate{MPS: &m})
		must(t, err)
	}
	_, err := e.op.SetCampaign(e.ctx, "A1B2C3", operator.CampaignUpdate{SMSTPM: ptr[int64](240), DailyCap: ptr[int64](2000)})
	must(t, err)
	_, err = e.op.SetCampaign(e.ctx, "<i>C9</i>", operator.CampaignUpdate{MMSTPM: ptr[int64](50)})
	must(t, err)

	numbers := e.get("/numbers", viewerToken)
	for id, want := range map[string]string{"num_a": "1.5 MPS", "num_b": "unlimited", "num_free": "default"} {
		row := between(numbers, `href="/numbers/`+id+`"`, "</tr>")
		if !strings.Contains(row, "<td>"+want+"</td>") {
			t.Errorf("/numbers: %s's row lacks the rate %q: %s", id, want, row)
		}
	}
	if body := e.get("/numbers/num_a", viewerToken); !strings.Contains(body, "<dt>Send rate</dt><dd>1.5 MPS</dd>") || !strings.Contains(body, `href="/campaigns#A1B2C3"`) {
		t.Errorf("/numbers/num_a lacks its rate or campaign link")
	}
	if body := e.get("/numbers/num_free", viewerToken); !strings.Contains(body, "default (the server's --default-number-mps)") {
		t.Errorf("/numbers/num_free does not say it takes the default rate")
	}

	body := e.get("/campaigns", viewerToken)
	row := between(body, `<tr id="A1B2C3">`, "</tr>")
	for _, want := range []string{"<td>240</td><td>-</td><td>2000</td>", `href="/numbers/num_a"`, "&#43;15551230001</a> · 1.5 MPS", "&#43;15551230002</a> · unlimited"} {
		if !strings.Contains(row, want) {
			t.Errorf("/campaigns: A1B2C3's row lacks %q: %s", want, row)
		}
	}
	if strings.Contains(body, "<i>C9</i>") || !strings.Contains(body, "&lt;i&gt;C9&lt;/i&gt;") || !strings.Contains(body, "none yet") {
		t.Error("/campaigns does not escape a campaign id, or lacks the campaign without numbers")
	}
	if !strings.Contains(body, `href="/campaigns" aria-current="page"`) {
		t.Error("/campaigns is not in the navigation")
	}
}

func ptr[T any](v T) *T { return &v }
