package schemacheck

import (
	"errors"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/dialog"
	"github.com/botctl/botctl/schema"
)

// Check validates one file. An empty file (nil Root) has nothing to check.
// Check never panics; it is safe for concurrent use.
func Check(f *dialog.File) (diags diag.List) {
	if f == nil || f.Root == nil {
		return nil
	}
	c := &checker{f: f}
	defer func() {
		if r := recover(); r != nil {
			diags = diag.List{{
				Pos: c.pos(nil), Severity: diag.Error, Code: "internal-error",
				Message: fmt.Sprintf("the schema check failed (%v); please report this with the file", r),
			}}
		}
	}()

	sch, err := schema.Compiled()
	if err != nil {
		c.diags.Errorf(c.pos(nil), "internal-error", "the JSON Schema does not compile: %v", err)
		return c.diags
	}
	conv := converter{}
	inst, err := conv.value(f.Root, nil)
	switch {
	case errors.Is(err, errTooDeep):
		c.diags.Errorf(c.pos(nil), "too-complex", "the file nests values more than %d levels deep (or an alias refers to itself)", maxDepth)
		return c.diags
	case errors.Is(err, errTooLong):
		c.diags.Errorf(c.pos(nil), "too-complex",
			"the file expands to more than %d MiB through its aliases (the limit: the largest file botctl reads); write the repeated text out once or shorten it", maxBytes>>20)
		return c.diags
	case err != nil:
		c.diags.Errorf(c.pos(nil), "too-complex",
			"the file has more than %d values once its aliases are expanded; write it out or split it", maxNodes)
		return c.diags
	}
	c.duplicates(conv.dups)

	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			c.visit(ve)
		} else {
			c.diags.Errorf(c.pos(nil), "internal-error", "the schema check failed: %v", err)
		}
	}
	c.diags.Sort()
	return c.diags
}
