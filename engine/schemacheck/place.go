package schemacheck

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// ident writes a name bare when it is a plain identifier, quoted otherwise.
func ident(name string) string {
	if identRE.MatchString(name) {
		return name
	}
	return strconv.Quote(name)
}

func isIndex(tok string) bool {
	i, err := strconv.Atoi(tok)
	return err == nil && i >= 0 && strconv.Itoa(i) == tok
}

func index1(tok string) int {
	i, _ := strconv.Atoi(tok)
	return i + 1
}

// place names the part of the bot that path is in, in the author's terms
// ("step 3 of dialog order_status", "integration order_lookup"), and
// returns the rest of the path below it. A top-level key itself is not a
// place: for ["bot"] it returns "" and ["bot"].
func (c *checker) place(path []string) (string, []string) {
	if len(path) < 2 {
		return "", path
	}
	switch path[0] {
	case "bot":
		return "bot", path[1:]
	case "variables":
		return "variable " + ident(path[1]), path[2:]
	case "integrations":
		return "integration " + ident(path[1]), path[2:]
	case "interactions":
		return c.interactionPlace(path[:2]), path[2:]
	case "dialogs":
		dlg := "dialog " + ident(path[1])
		rest := path[2:]
		switch {
		case len(rest) >= 2 && rest[0] == "steps" && isIndex(rest[1]):
			step := c.stepPlace(path[:4], dlg)
			rest = rest[2:]
			switch {
			case len(rest) >= 2 && (rest[0] == "rules" || rest[0] == "branch") && isIndex(rest[1]):
				return fmt.Sprintf("rule %d of %s", index1(rest[1]), step), rest[2:]
			case len(rest) >= 1 && rest[0] == "transfer":
				return "transfer of " + step, rest[1:]
			}
			return step, rest
		case len(rest) >= 2 && rest[0] == "starters" && isIndex(rest[1]):
			return fmt.Sprintf("starter %d of %s", index1(rest[1]), dlg), rest[2:]
		}
		return dlg, rest
	}
	return "", path
}

// stepPlace is `step "id" of dialog x` when the step has a valid id, else
// "step N of dialog x" (1-based).
func (c *checker) stepPlace(path []string, dlg string) string {
	if id := c.idOf(path); id != "" && id != "end" && id != "close" {
		return fmt.Sprintf("step `%s` of %s", id, dlg)
	}
	return fmt.Sprintf("step %d of %s", index1(path[len(path)-1]), dlg)
}

// interactionPlace is "interaction remind_me" when it has a valid id, else
// "interaction N" (1-based).
func (c *checker) interactionPlace(path []string) string {
	if id := c.idOf(path); id != "" {
		return "interaction " + id
	}
	return fmt.Sprintf("interaction %d", index1(path[len(path)-1]))
}

// idOf returns the `id:` of the mapping at path when it is a valid name.
func (c *checker) idOf(path []string) string {
	n := locate(c.f.Root, path).value()
	if n == nil || n.Kind != yaml.MappingNode {
		return ""
	}
	id := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		if keyString(n.Content[i]) == "id" {
			if v := resolve(n.Content[i+1]); v != nil && v.Kind == yaml.ScalarNode && identRE.MatchString(v.Value) {
				id = v.Value
			} else {
				id = ""
			}
		}
	}
	return id
}

// field names the rest of a path below its place: `"max_attempts"`,
// `"headers.Authorization"`, or `item 2 of "say"` for a list entry.
func field(rest []string, inList bool) string {
	switch {
	case len(rest) == 0:
		return ""
	case inList && len(rest) == 1:
		return fmt.Sprintf("item %d", index1(rest[0]))
	case inList:
		return fmt.Sprintf("item %d of %q", index1(rest[len(rest)-1]), dotted(rest[:len(rest)-1]))
	}
	return strconv.Quote(dotted(rest))
}

func dotted(path []string) string {
	var b strings.Builder
	for i, tok := range path {
		if isIndex(tok) && i > 0 {
			fmt.Fprintf(&b, "[%s]", tok)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// subject is what a message is about: the place and the field in it
// (`step 2 of dialog welcome: "max_attempts"`), the place alone, or "the
// file" for the document itself.
func (c *checker) subject(path []string, inList bool) string {
	pl, rest := c.place(path)
	f := field(rest, inList)
	switch {
	case pl == "" && f == "":
		return "the file"
	case f == "":
		return pl
	case pl == "":
		return f
	}
	return pl + ": " + f
}

// owner names the mapping at path when a message is about its keys: like
// subject, but a top-level section is named bare ("bot: missing required
// key ...").
func (c *checker) owner(path []string, inList bool) string {
	if len(path) == 1 {
		return path[0]
	}
	return c.subject(path, inList)
}

// prefix is the place followed by ": ", or "" at the top level.
func prefix(place string) string {
	if place == "" {
		return ""
	}
	return place + ": "
}
