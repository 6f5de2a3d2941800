package e2e_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchSMPP runs `redcloud bench --scenarios e2e,smpp` briefly from the
// repository (it finds test/smsc from the working directory): every
// message of the smpp scenario goes through the SMSC simulator and comes
// back as a message.delivery webhook, and the report compares it with the
// sandbox's e2e.
func TestBenchSMPP(t *testing.T) {
	r := cliWant(t, 0, cliEnv(""), "bench", "--scenarios", "e2e,smpp", "--duration", "2s", "--e2e-rate", "50", "--no-baseline", "--json")
	var rep struct {
		Results []struct {
			Scenario   string   `json:"scenario"`
			Skipped    string   `json:"skipped"`
			Requests   int      `json:"requests"`
			OK         int      `json:"ok"`
			Errors     int      `json:"errors"`
			Throughput float64  `json:"throughput"`
			Notes      []string `json:"notes"`
		} `json:"results"`
	}
	cliJSON(t, r, &rep)
	if len(rep.Results) != 2 || rep.Results[1].Scenario != "smpp" {
		t.Fatalf("results %+v", rep.Results)
	}
	s := rep.Results[1]
	notes := strings.Join(s.Notes, "\n")
	if s.Skipped != "" || s.Errors != 0 || s.OK != s.Requests || s.Requests != 100 || s.Throughput <= 0 {
		t.Errorf("smpp: %+v", s)
	}
	if !strings.Contains(notes, "100 submit_sm received by the SMSC simulator") || !strings.Contains(notes, "of the sandbox provider's e2e throughput") {
		t.Errorf("smpp notes:\n%s", notes)
	}
	b, _ := json.Marshal(rep)
	t.Logf("%s", b)
}
