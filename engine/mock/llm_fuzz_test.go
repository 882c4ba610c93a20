package mock

import (
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/turn"
)

// FuzzLLMMocks: any `llm:` mocks decode or fail with an error, and every
// answer decoded is one a model's API could give: a failure, a status, or
// a completion the engine reads back.
func FuzzLLMMocks(f *testing.F) {
	for _, s := range []string{
		"llm: [{intent: lost_card}, {value: Lyon}, {content: hi}]",
		"llm: {default: [{error: timeout}], other: {status: 429}}",
		"llm: {value: x}",
		"llm: [{value: [a]}]",
		"llm: []",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		set, err := Parse([]byte(src))
		if err != nil {
			return
		}
		for name, list := range set {
			for _, r := range list {
				switch {
				case r.Error != "":
				case (name == LLM || strings.HasPrefix(name, LLM+".")) && (r.Status < 100 || r.Status > 599):
					t.Errorf("%q: %s has status %d", src, name, r.Status)
				case r.Body != nil:
					if _, err := turn.ParseCompletion(r.Body); err != nil && r.Body.(map[string]any)["object"] == "chat.completion" {
						c := r.Body.(map[string]any)["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"]
						if c != "" {
							t.Errorf("%q: the mock of %s does not read back: %v", src, name, err)
						}
					}
				}
			}
		}
	})
}
