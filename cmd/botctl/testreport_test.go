package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// formatFiles are a bot and three transcripts: one that passes, one whose bot
// says something else at line 5, and one that does not parse.
var formatFiles = map[string]string{
	"shop/bot.yaml": `botctl: 1
bot:
  name: shop
  welcome: hello
dialogs:
  hello:
    steps:
      - say: "Hello!"
`,
	"shop/tests/pass.transcript": "---\nbot: ../bot.yaml\n---\n< Hello!\n",
	"shop/tests/fail.transcript": "---\nbot: ../bot.yaml\n---\n# the greeting\n< Hello, 100%!\n",
	"broken/bad.transcript":      "---\nbot: [\n---\n",
}

// runFormat runs botctl test --format format in a directory holding
// formatFiles and returns its exit code and streams.
func runFormat(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range formatFiles {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"test"}, args...), strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	return code, stdout.String(), stderr.String()
}

// The JUnit document as a CI system reads it.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []struct {
		Name      string `xml:"name,attr"`
		Tests     int    `xml:"tests,attr"`
		Failures  int    `xml:"failures,attr"`
		Errors    int    `xml:"errors,attr"`
		Skipped   int    `xml:"skipped,attr"`
		Time      string `xml:"time,attr"`
		Timestamp string `xml:"timestamp,attr"`
		Cases     []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

var junitTimeRE = regexp.MustCompile(`^\d+\.\d{3}$`)

func TestTestFormatJUnit(t *testing.T) {
	code, stdout, stderr := runFormat(t, "--format", "junit")
	if code != exitFailure || stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 1 and nothing", code, stderr)
	}
	if !strings.HasPrefix(stdout, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML declaration:\n%s", stdout)
	}
	var doc junitDoc
	if err := xml.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, stdout)
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 1 || doc.Skipped != 0 || !junitTimeRE.MatchString(doc.Time) {
		t.Errorf("testsuites: tests %d failures %d errors %d skipped %d time %q; want 3 1 1 0", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, doc.Time)
	}
	if len(doc.Suites) != 2 {
		t.Fatalf("want a suite for the bot and one for the directory with no bot, got %d:\n%s", len(doc.Suites), stdout)
	}
	broken, shop := doc.Suites[0], doc.Suites[1]
	if broken.Name != "broken" || broken.Tests != 1 || broken.Errors != 1 || broken.Failures != 0 {
		t.Errorf("suite %q: tests %d errors %d failures %d; want broken 1 1 0", broken.Name, broken.Tests, broken.Errors, broken.Failures)
	}
	if shop.Name != "shop/bot.yaml" || shop.Tests != 2 || shop.Failures != 1 || shop.Errors != 0 || !junitTimeRE.MatchString(shop.Time) || shop.Timestamp == "" {
		t.Errorf("suite %q: tests %d failures %d errors %d time %q timestamp %q", shop.Name, shop.Tests, shop.Failures, shop.Errors, shop.Time, shop.Timestamp)
	}
	bad := broken.Cases[0]
	if bad.Name != "broken/bad.transcript" || bad.Error == nil || bad.Failure != nil || !strings.HasPrefix(bad.Error.Message, "broken/bad.transcript:2:") {
		t.Errorf("the transcript that does not parse: %+v", bad)
	}
	if len(shop.Cases) != 2 {
		t.Fatalf("want 2 cases in shop, got %d", len(shop.Cases))
	}
	fail, pass := shop.Cases[0], shop.Cases[1]
	if pass.Name != "shop/tests/pass.transcript" || pass.Classname != "shop/bot.yaml" || pass.Failure != nil || pass.Error != nil || !junitTimeRE.MatchString(pass.Time) {
		t.Errorf("the passing transcript: %+v", pass)
	}
	wantMsg := `shop/tests/fail.transcript:5: the bot did "< Hello!", but the transcript expects "< Hello, 100%!"`
	if fail.Failure == nil || fail.Error != nil || fail.Failure.Message != wantMsg {
		t.Fatalf("the failing transcript: %+v, want the failure %q", fail, wantMsg)
	}
	for _, want := range []string{"  expected: < Hello, 100%!\n  actual:   < Hello!\n", "-< Hello, 100%!\n+< Hello!\n"} {
		if !strings.Contains(fail.Failure.Text, want) {
			t.Errorf("the failure's text has no %q:\n%s", want, fail.Failure.Text)
		}
	}
}

func TestTestFormatGitHub(t *testing.T) {
	code, stdout, _ := runFormat(t, "--format", "github")
	if code != exitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want two annotations and the summary, got:\n%s", stdout)
	}
	if !strings.HasPrefix(lines[0], "::error file=broken/bad.transcript,line=2,col=") {
		t.Errorf("the parse error: %s", lines[0])
	}
	want := `::error file=shop/tests/fail.transcript,line=5::the bot did "< Hello!", but the transcript expects "< Hello, 100%25!"`
	if lines[1] != want {
		t.Errorf("the failure:\n got %s\nwant %s", lines[1], want)
	}
	if lines[2] != "FAIL: 1 passed, 2 failed" {
		t.Errorf("the summary: %s", lines[2])
	}
}

func TestGitHubEscaping(t *testing.T) {
	tests := []struct{ in, data, property string }{
		{"plain", "plain", "plain"},
		{"100%", "100%25", "100%25"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"dir:a,b.transcript", "dir:a,b.transcript", "dir%3Aa%2Cb.transcript"},
		{"%0A", "%250A", "%250A"},
	}
	for _, tt := range tests {
		if got := githubData(tt.in); got != tt.data {
			t.Errorf("githubData(%q) = %q, want %q", tt.in, got, tt.data)
		}
		if got := githubProperty(tt.in); got != tt.property {
			t.Errorf("githubProperty(%q) = %q, want %q", tt.in, got, tt.property)
		}
	}
}

func TestTestFormatJSON(t *testing.T) {
	code, stdout, stderr := runFormat(t, "--format", "json")
	if code != exitFailure || stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 1 and nothing", code, stderr)
	}
	var doc struct {
		Results []struct {
			Path     string
			Bot      string
			Passed   bool
			Updated  bool
			Duration *float64
			Failures []struct {
				File, Kind, Message, Expected, Actual string
				Line                                  int
			}
			Diagnostics []struct {
				File, Severity, Code, Message, Suggestion string
				Line, Col                                 int
			}
		}
		Summary struct {
			Total, Passed, Failed, Updated int
			OK                             bool
		}
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if len(doc.Results) != 3 {
		t.Fatalf("want 3 results, got %d", len(doc.Results))
	}
	bad, fail, pass := doc.Results[0], doc.Results[1], doc.Results[2]
	if bad.Path != "broken/bad.transcript" || bad.Passed || bad.Bot != "" || len(bad.Diagnostics) == 0 || bad.Diagnostics[0].Line != 2 || len(bad.Failures) != 0 {
		t.Errorf("the transcript that does not parse: %+v", bad)
	}
	if fail.Path != "shop/tests/fail.transcript" || fail.Bot != "shop/bot.yaml" || fail.Passed || len(fail.Failures) != 1 || fail.Duration == nil {
		t.Fatalf("the failing transcript: %+v", fail)
	}
	f := fail.Failures[0]
	if f.File != fail.Path || f.Line != 5 || f.Kind != "output" || f.Expected != "< Hello, 100%!" || f.Actual != "< Hello!" || !strings.HasPrefix(f.Message, "the bot did") {
		t.Errorf("the failure: %+v", f)
	}
	if !pass.Passed || len(pass.Failures) != 0 || len(pass.Diagnostics) != 0 {
		t.Errorf("the passing transcript: %+v", pass)
	}
	if s := doc.Summary; s.Total != 3 || s.Passed != 1 || s.Failed != 2 || s.OK {
		t.Errorf("summary: %+v", s)
	}
}

// TestTestFormatPassing checks that the default format is the text
// report, and that passing runs exit 0 in every format.
func TestTestFormatPassing(t *testing.T) {
	for _, format := range testFormats {
		code, stdout, stderr := runFormat(t, "--format", format, "shop/tests/pass.transcript")
		if code != exitOK || stderr != "" {
			t.Errorf("--format %s: exit %d, stderr %q", format, code, stderr)
		}
		if format == "text" && stdout != "--- PASS: shop/tests/pass.transcript\nPASS: 1 passed, 0 failed\n" {
			t.Errorf("text report:\n%s", stdout)
		}
		if format == "github" && stdout != "PASS: 1 passed, 0 failed\n" {
			t.Errorf("github report:\n%s", stdout)
		}
	}
	if code, _, stderr := runFormat(t, "--format", "xml"); code != exitUsage || !strings.Contains(stderr, "want text, json, junit or github") {
		t.Errorf("--format xml: exit %d, stderr %q", code, stderr)
	}
}
