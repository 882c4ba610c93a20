package mimetype

import (
	"strings"
	"testing"
)

func TestAccepts(t *testing.T) {
	const docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	tests := []struct {
		accept      []string
		name, ctype string
		want        bool
	}{
		{[]string{"pdf"}, "a.pdf", "application/pdf", true},
		{[]string{"pdf"}, "A.PDF", "Application/PDF; charset=binary", true},
		{[]string{"pdf"}, "a.pdf", "", true},
		{[]string{"pdf"}, "a.pdf", "application/octet-stream", true},
		{[]string{"pdf"}, "a.pdf", "image/png", false},
		{[]string{"pdf"}, "a.png", "image/png", false},
		{[]string{"pdf"}, "pdf", "application/pdf", false},
		{[]string{"jpeg"}, "a.jpg", "image/jpeg", true},
		{[]string{"JPG"}, "a.jpeg", "image/jpeg", true},
		{[]string{"docx"}, "a.docx", docx, true},
		{[]string{"docx"}, "a.docx", "application/zip", false},
		// What Windows browsers call a zip.
		{[]string{"zip"}, "a.zip", "application/x-zip-compressed", true},
		{[]string{"zip"}, "a.zip", "application/zip", true},
		// A type of an extension the table does not know is not checked.
		{[]string{"bin"}, "a.bin", "application/x-thing", true},
		{[]string{"txt", "csv"}, "a.csv", "text/csv", true},
		{[]string{"txt"}, "a.txt", "text/html", false},
	}
	for _, tt := range tests {
		if got := Accepts(tt.accept, tt.name, tt.ctype); got != tt.want {
			t.Errorf("Accepts(%q, %q, %q) = %v, want %v", tt.accept, tt.name, tt.ctype, got, tt.want)
		}
	}
}

// TestTable: every extension stands for a type of its own format, so that
// a file the turn accepts by its name and type is the format the server
// checks its bytes against.
func TestTable(t *testing.T) {
	for ext := range byExt {
		ctype := TypeByName("x." + ext)
		if ByType(ctype) != ByExt(ext) || ByExt(ext) == "" {
			t.Errorf("%s stands for %q, of format %q; the extension's format is %q", ext, ctype, ByType(ctype), ByExt(ext))
		}
		if !Accepts([]string{ext}, "x."+strings.ToUpper(ext), ctype) {
			t.Errorf("a file question taking %s refuses x.%s of type %s", ext, ext, ctype)
		}
	}
}

func TestTypeByName(t *testing.T) {
	for name, want := range map[string]string{
		"a.pdf":  "application/pdf",
		"a.JPG":  "image/jpeg",
		"a.heic": "image/heic", // whatever the system's table says
		"a.html": "text/html",  // not in the table: the system's
		"a":      "",
		"a.":     "",
	} {
		if got := TypeByName(name); got != want {
			t.Errorf("TypeByName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSniffFormat(t *testing.T) {
	tests := []struct {
		data   string
		ctype  string
		format Format
	}{
		{"%PDF-1.7\n", "application/pdf", PDF},
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", PNG},
		{"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg", JPEG},
		{"GIF89a\x01\x00\x01\x00", "image/gif", GIF},
		{"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp", WebP},
		{"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic", HEIC},
		{"PK\x03\x04\x14\x00", "application/zip", Zip},
		{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", OLEStorage, OLE},
		{"name,amount\nAnn,3\n", "text/plain", Text},
		{"<html><body>", "text/html", Text},
		{"", "text/plain", Text},
		{"\x7fELF\x02\x01", Executable, ""},
		{"MZ\x90\x00", Executable, ""},
		{"\x00\x01\x02\x03binary", Unknown, ""},
	}
	for _, tt := range tests {
		ctype, format := SniffFormat([]byte(tt.data))
		if ctype != tt.ctype || format != tt.format {
			t.Errorf("SniffFormat(%q) = %q, %q; want %q, %q", tt.data, ctype, format, tt.ctype, tt.format)
		}
	}
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte("%PDF-1.7"), "a.pdf")
	f.Add([]byte("\x00\x00\x00\x18ftypheic"), "b.HEIC")
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		ctype, format := SniffFormat(data)
		if ctype == "" || strings.Contains(ctype, ";") {
			t.Fatalf("SniffFormat(%q) = %q", data, ctype)
		}
		if format != "" && ByType(ctype) != format && format != Text {
			t.Fatalf("SniffFormat(%q) = %q, %q, but the type's format is %q", data, ctype, format, ByType(ctype))
		}
		// A file of the type its name stands for is accepted by a
		// question that takes its extension.
		if ext := Ext(name); ext != "" && !Accepts([]string{ext}, name, TypeByName(name)) && ByExt(ext) != "" {
			t.Fatalf("Accepts(%q, %q, %q) = false", ext, name, TypeByName(name))
		}
	})
}
