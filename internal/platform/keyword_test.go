package platform_test

import (
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/webhook"
)

func TestMatchKeyword(t *testing.T) {
	out, in, help := webhook.KeywordOptOut, webhook.KeywordOptIn, webhook.KeywordHelp
	tests := []struct {
		text, typ, matched string // typ "" = no keyword
	}{
		{"STOP", out, "STOP"},
		{"stop", out, "STOP"},
		{"  Stop  ", out, "STOP"},
		{"STOP.", out, "STOP"},
		{"stop!", out, "STOP"},
		{"Stop!!.", out, "STOP"},
		{"\tstop\n", out, "STOP"},
		{"ＳＴＯＰ", out, "STOP"}, // full-width: NFKC
		{"ｓｔｏｐ！", out, "STOP"},
		{"STOPALL", out, "STOPALL"},
		{"stop all", out, "STOP ALL"},
		{"stop    all", out, "STOP ALL"},
		{"stop\u00a0all", out, "STOP ALL"}, // NBSP: NFKC makes it a space
		{"Unsubscribe", out, "UNSUBSCRIBE"},
		{"cancel", out, "CANCEL"},
		{"end", out, "END"},
		{"quit", out, "QUIT"},
		{"revoke", out, "REVOKE"},
		{"optout", out, "OPTOUT"},
		{"opt out", out, "OPT OUT"},
		{"Opt-Out", out, "OPT-OUT"},
		{"ﬆop", out, "STOP"}, // the ligature ﬆ is NFKC "st"
		{"start", in, "START"},
		{"Unstop", in, "UNSTOP"},
		{"yes", in, "YES"},
		{"YES!", in, "YES"},
		{"help", help, "HELP"},
		{"info", help, "INFO"},
		{"Info?", "", ""},
		{"STOP PLEASE", "", ""},
		{"stop 12345", "", ""},
		{"please stop", "", ""},
		{"STOPP", "", ""},
		{"S T O P", "", ""},
		{"opt_out", "", ""},
		{"", "", ""},
		{".", "", ""},
		{"yes please", "", ""},
	}
	for _, tt := range tests {
		k, ok := platform.MatchKeyword(tt.text)
		if ok != (tt.typ != "") || k.Type != tt.typ || k.Matched != tt.matched {
			t.Errorf("MatchKeyword(%q) = %+v, %v; want {%s %s}", tt.text, k, ok, tt.typ, tt.matched)
		}
	}
}

func FuzzMatchKeyword(f *testing.F) {
	for _, s := range []string{"STOP", "ｓｔｏｐ！", "stop all", "HELP."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := platform.MatchKeyword(s)
		if !ok {
			return
		}
		// A match is stable under the normalisation it was found with.
		if k2, ok2 := platform.MatchKeyword(platform.NormalizeKeyword(s)); !ok2 || k2 != k {
			t.Errorf("MatchKeyword(Normalize(%q)) = %+v, %v; want %+v", s, k2, ok2, k)
		}
	})
}
