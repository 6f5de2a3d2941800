package redcloud_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSpecReferencesResolve walks the repository: every "CONTRACT §N…"
// cited in code, SQL or the OpenAPI document names a section of
// docs/CONTRACT.md, and no file names a path on one developer's machine.
func TestSpecReferencesResolve(t *testing.T) {
	contract, err := os.ReadFile("docs/CONTRACT.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#{2,3} (\d+(?:\.\d+)?)[. ]`).FindAllStringSubmatch(string(contract), -1) {
		sections[m[1]] = true
	}
	ref := regexp.MustCompile(`(?i)contract(?:\.md)? ?§ ?(\d+)(?:\.(\d+))?`)
	machinePath := regexp.MustCompile(`/(?:work|home|root|Users)/[A-Za-z]`)
	checked := 0
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "node_modules" || name == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".yaml", ".sql", ".md":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(b)
		if path != "docs_test.go" && machinePath.MatchString(text) {
			t.Errorf("%s names a machine path: %q", path, machinePath.FindString(text))
		}
		for _, m := range ref.FindAllStringSubmatch(text, -1) {
			checked++
			sec := m[1]
			if m[2] != "" && sections[sec+"."+m[2]] {
				sec += "." + m[2]
			}
			if !sections[sec] {
				t.Errorf("%s cites %q: docs/CONTRACT.md has no section %s", path, m[0], sec)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("found %d contract references; the code cites more, so the pattern is broken", checked)
	}
	if strings.Count(string(contract), "\n## ") < 12 {
		t.Fatal("docs/CONTRACT.md lacks its sections")
	}
}
