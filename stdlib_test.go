package redcloud_test

import (
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestStandardLibraryOnly checks that the package's non-test files import
// only the standard library, so that integrators who import the client pull
// in nothing else. (Its tests may import the server to test against it.)
func TestStandardLibraryOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !standard(path) {
				t.Errorf("%s imports %q, which is not in the standard library", name, path)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked %d files; the package has more", checked)
	}
}

// standard reports whether path is a standard library package: its first
// element has no dot, and go/build finds it in GOROOT.
func standard(path string) bool {
	if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
		return false
	}
	p, err := build.Default.Import(path, "", build.FindOnly)
	return err == nil && p.Goroot
}

// TestStandardLibraryCheckCanFail guards the check itself.
func TestStandardLibraryCheckCanFail(t *testing.T) {
	for path, want := range map[string]bool{
		"net/http": true, "log/slog": true, "encoding/json": true,
		"github.com/redcloud-core/redcloud/internal/store": false, "golang.org/x/time/rate": false, "notastdpkg": false,
	} {
		if got := standard(path); got != want {
			t.Errorf("standard(%q) = %v, want %v", path, got, want)
		}
	}
}
