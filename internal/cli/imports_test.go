package cli_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// module is this module's path; its packages other than the public ones
// are off limits to the integrator's commands.
const module = "github.com/redcloud-core/redcloud"

// publicOnly parses one source file of the integrator's commands and
// returns a problem for every import of this module's packages other than
// the public client (the root package) and webhook: the commands must do
// only what an integration can do. Third-party packages such as cobra are
// fine.
func publicOnly(fset *token.FileSet, name string, src any) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if path == module || path == module+"/webhook" {
			continue
		}
		if strings.HasPrefix(path, module+"/") || strings.Contains(path, "/internal/") || strings.HasSuffix(path, "/internal") {
			problems = append(problems, name+" imports "+path)
		}
	}
	return problems, nil
}

// TestCommandsUseOnlyPublicPackages parses every source file of the
// package.
func TestCommandsUseOnlyPublicPackages(t *testing.T) {
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
		problems, err := publicOnly(fset, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Error(p)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked %d source files; the integrator's commands have more", checked)
	}
}

// TestPublicOnlyCanFail guards the check itself.
func TestPublicOnlyCanFail(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want int
	}{
		{`package cli; import "github.com/redcloud-core/redcloud"`, 0},
		{`package cli; import ( "github.com/redcloud-core/redcloud/webhook"; "github.com/spf13/cobra"; "net/http" )`, 0},
		{`package cli; import _ "github.com/redcloud-core/redcloud/internal/store"`, 1},
		{`package cli; import x "github.com/redcloud-core/redcloud/internal/platform"`, 1},
		{`package cli; import ( "github.com/redcloud-core/redcloud/cmd/redcloud"; "example.com/other/internal/x" )`, 2},
		{`package cli; import "github.com/redcloud-core/redcloudx"`, 0},
	} {
		problems, err := publicOnly(token.NewFileSet(), "x.go", tt.src)
		if err != nil || len(problems) != tt.want {
			t.Errorf("%s: problems %q (err %v), want %d", tt.src, problems, err, tt.want)
		}
	}
}
