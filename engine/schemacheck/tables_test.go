package schemacheck

import "testing"

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
