package schemacheck

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/botctl/botctl/schema"
)

// The schema's own JSON, read once, answers what the validator's errors
// leave out: the keys allowed at a place, the required keys, the enum
// values, the accepted types.
var raw struct {
	once sync.Once
	doc  any
}

func rawDoc() any {
	raw.once.Do(func() {
		_ = json.Unmarshal(schema.JSON, &raw.doc)
	})
	return raw.doc
}

// lookup returns the schema value at a JSON pointer such as
// "/$defs/step/properties", or nil.
func lookup(ptr string) any {
	v := rawDoc()
	if ptr == "" {
		return v
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func lookupMap(ptr string) map[string]any {
	m, _ := lookup(ptr).(map[string]any)
	return m
}

// properties lists the keys the schema object at ptr allows, sorted.
func properties(ptr string) []string {
	props, _ := lookupMap(ptr)["properties"].(map[string]any)
	out := make([]string, 0, len(props))
	for k := range props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// strings lists the string entries of the array at ptr+"/"+key.
func stringList(ptr, key string) []string {
	arr, _ := lookupMap(ptr)[key].([]any)
	var out []string
	for _, v := range arr {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// types lists the JSON types the schema object at ptr names in "type".
func types(ptr string) []string {
	switch t := lookupMap(ptr)["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, v := range t {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// fragment is the schema location of an error, as a JSON pointer into the
// schema document ("/$defs/step/oneOf").
func fragment(e *jsonschema.ValidationError) string {
	loc := e.AbsoluteKeywordLocation
	if i := strings.IndexByte(loc, '#'); i >= 0 {
		return loc[i+1:]
	}
	return ""
}

// keyword is the last token of a schema location: the keyword that failed.
func keyword(loc string) string {
	return loc[strings.LastIndexByte(loc, '/')+1:]
}

// parent drops the last token of a pointer.
func parent(ptr string) string {
	if i := strings.LastIndexByte(ptr, '/'); i >= 0 {
		return ptr[:i]
	}
	return ""
}

// defName returns name when ptr is exactly "/$defs/name", else "".
func defName(ptr string) string {
	const prefix = "/$defs/"
	if !strings.HasPrefix(ptr, prefix) || strings.Contains(ptr[len(prefix):], "/") {
		return ""
	}
	return ptr[len(prefix):]
}
