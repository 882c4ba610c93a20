package schemacheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/botctl/botctl/engine/dialog"
)

// TestSchemaMatchesDecoder keeps the schema and engine/dialog/decode.go in
// step: the keys each decoder function reads are exactly the properties of
// the schema object for that part of a bot file.
func TestSchemaMatchesDecoder(t *testing.T) {
	fset := token.NewFileSet()
	pkg := map[string]*ast.File{}
	for _, name := range []string{"../dialog/decode.go", "../dialog/ast.go"} {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		pkg[name] = f
	}
	consts := stringConsts(pkg["../dialog/ast.go"])

	// decoder function -> schema object
	parts := map[string]string{
		"Decode":      "",
		"header":      "/$defs/header",
		"integration": "/$defs/integration",
		"interaction": "/$defs/interaction",
		"dialog":      "/$defs/dialog",
		"starter":     "/$defs/starter",
		"step":        "/$defs/step",
		"rules":       "/$defs/rule",
		"transfer":    "/$defs/transfer",
	}
	seen := map[string]bool{}
	for _, decl := range pkg["../dialog/decode.go"].Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok {
			continue
		}
		ptr, ok := parts[fn.Name.Name]
		if !ok {
			continue
		}
		seen[fn.Name.Name] = true
		keys := caseKeys(fn.Body, consts)
		if len(keys) == 0 {
			t.Errorf("found no keys in decoder %s; update this test", fn.Name.Name)
		}
		if fn.Name.Name == "step" {
			// end and close are recognised by isAction, not a case.
			for _, a := range dialog.Actions {
				if !slices.Contains(keys, a) {
					keys = append(keys, a)
				}
			}
		}
		sort.Strings(keys)
		if want := properties(ptr); !slices.Equal(keys, want) {
			t.Errorf("decoder %s reads %v; schema %q allows %v", fn.Name.Name, keys, ptr, want)
		}
	}
	for name := range parts {
		if !seen[name] {
			t.Errorf("decode.go has no function %s any more; update this test", name)
		}
	}
}

// stringConsts maps the string constants of a file to their values.
func stringConsts(f *ast.File) map[string]string {
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if i < len(vs.Values) {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					out[name.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
		return true
	})
	return out
}

// caseKeys collects the string cases of `switch k.Value` statements.
func caseKeys(body *ast.BlockStmt, consts map[string]string) []string {
	var keys []string
	ast.Inspect(body, func(n ast.Node) bool {
		sw, ok := n.(*ast.SwitchStmt)
		if !ok {
			return true
		}
		sel, ok := sw.Tag.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Value" {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "k" {
			return true
		}
		for _, stmt := range sw.Body.List {
			for _, e := range stmt.(*ast.CaseClause).List {
				switch e := e.(type) {
				case *ast.BasicLit:
					s, _ := strconv.Unquote(e.Value)
					keys = append(keys, s)
				case *ast.Ident:
					keys = append(keys, consts[e.Name])
				}
			}
		}
		return true
	})
	return keys
}

// TestTablesNameDefinitions keeps the message tables in step with the
// schema: every definition they name exists.
func TestTablesNameDefinitions(t *testing.T) {
	var names []string
	for k := range phrases {
		names = append(names, k)
	}
	for k := range textDefs {
		names = append(names, k)
	}
	for k := range nameRules {
		names = append(names, k)
	}
	for _, k := range names {
		if lookup("/$defs/"+k) == nil {
			t.Errorf("the schema has no definition %q", k)
		}
	}
	if lookup("/$defs/step/pattern") == nil {
		t.Error("bareStep expects /$defs/step/pattern")
	}
	if lookup("/$defs/rule/if/required") == nil || lookup("/$defs/rule/else/required") == nil {
		t.Error("the rule's goto-or-else check expects if/else with required")
	}
}
