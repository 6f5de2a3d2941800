package cli_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/cli"
)

// runSegments runs `segments args...` in process (it needs no server).
func runSegments(t *testing.T, args ...string) (string, error) {
	t.Helper()
	for _, c := range cli.Commands() {
		if c.Name() != "segments" {
			continue
		}
		var out bytes.Buffer
		c.SetOut(&out)
		c.SetErr(&out)
		c.SetArgs(args)
		err := c.Execute()
		return out.String(), err
	}
	t.Fatal("no segments command")
	return "", nil
}

func TestSegmentsCommand(t *testing.T) {
	out, err := runSegments(t, "ça "+strings.Repeat("a", 70))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"UCS-2", "segments", "2", "67, 6", `"ç" U+00E7`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	out, err = runSegments(t, strings.Repeat("€", 81), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Encoding string `json:"encoding"`
		Segments int    `json:"segments"`
		Parts    []struct {
			Text  string `json:"text"`
			Units int    `json:"units"`
		} `json:"parts"`
		NonGSMCharacters []string `json:"nonGsmCharacters"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	var units []int
	for _, p := range j.Parts {
		units = append(units, p.Units)
	}
	if j.Encoding != "GSM-7" || j.Segments != 2 || !slices.Equal(units, []int{152, 10}) || j.NonGSMCharacters == nil || len(j.NonGSMCharacters) != 0 {
		t.Errorf("--json = %+v", j)
	}

	if _, err := runSegments(t); err == nil {
		t.Error("no argument: want a usage error")
	}
}
