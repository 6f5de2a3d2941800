package main_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cliPublicOnly checks the integrator's commands' source files: it returns
// a problem for every import of a path under internal/ (they must do only
// what an integration can do, with the public client and webhook packages)
// and every top-level name without the "cli" prefix (they share package
// main with serve and admin).
func cliPublicOnly(fset *token.FileSet, name string, src any) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if strings.Contains(path, "/internal/") || strings.HasSuffix(path, "/internal") {
			problems = append(problems, name+" imports "+path)
		}
	}
	prefixed := func(id *ast.Ident) {
		if id.Name != "_" && !strings.HasPrefix(id.Name, "cli") {
			problems = append(problems, name+": top-level "+id.Name+" lacks the cli prefix")
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				prefixed(d.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					prefixed(s.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						prefixed(n)
					}
				}
			}
		}
	}
	return problems, nil
}

// TestCLIUsesOnlyPublicPackages parses every cli_*.go file of the command.
func TestCLIUsesOnlyPublicPackages(t *testing.T) {
	files, err := filepath.Glob("cli_*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		problems, err := cliPublicOnly(fset, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Error(p)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked %d cli_*.go files; the integrator's commands have more", checked)
	}
}

// TestCLIPublicOnlyCanFail guards the check itself.
func TestCLIPublicOnlyCanFail(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want int
	}{
		{`package main; import "github.com/redcloud-core/redcloud"; func cliOK() { _ = redcloud.Classify }`, 0},
		{`package main; import _ "github.com/redcloud-core/redcloud/internal/store"`, 1},
		{`package main; import x "github.com/redcloud-core/redcloud/internal/platform"; var cliX = x.ErrNotFound`, 1},
		{`package main; func helper() {}; type cliT struct{}; func (cliT) method() {}`, 1},
		{`package main; var ( cliA = 1; b = 2 ); const c = 3; type d int`, 3},
	} {
		problems, err := cliPublicOnly(token.NewFileSet(), "x.go", tt.src)
		if err != nil || len(problems) != tt.want {
			t.Errorf("%s: problems %q (err %v), want %d", tt.src, problems, err, tt.want)
		}
	}
}
