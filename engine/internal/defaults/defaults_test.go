package defaults

import (
	"os"
	"strings"
	"testing"

	"github.com/botctl/botctl/engine/graph"
)

// TestDocumented: docs/language.md gives every default text as it is, so
// that a default changed here and not there fails.
func TestDocumented(t *testing.T) {
	data, err := os.ReadFile("../../../docs/language.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	want := []string{
		"`" + ErrorMessage + "`",
		"`" + TransferFailedMessage + "`",
		"`" + Uploading + "`",
		"`" + UploadSuccess + "`",
		"`" + UploadFailure + "`",
		"`" + Fallback + "`",
		"`" + Invalid(Accept()) + "`",
		"`" + ChoiceRetry([]string{"Personal", "Business"}) + "`",
	}
	for typ, text := range Retry {
		switch typ {
		case graph.Choice, graph.File: // their own texts, above
			continue
		}
		want = append(want, "| `"+typ.String()+"` | `"+text+"` |")
	}
	for _, w := range want {
		if !strings.Contains(doc, w) {
			t.Errorf("docs/language.md does not give the default %s", w)
		}
	}
}

func TestAcceptIsFresh(t *testing.T) {
	a := Accept()
	a[0] = "exe"
	if Accept()[0] != "pdf" {
		t.Error("changing one question's accept changed the default")
	}
}
