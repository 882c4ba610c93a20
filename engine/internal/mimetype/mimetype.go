// Package mimetype is the engine's one table of file types: which content
// types a file name's extension stands for, which format (kind of bytes)
// each type and extension is, and what a file's leading bytes say it is.
// A file question's `accept` decides by the name and the content type
// (Accepts); a server that has an upload's bytes checks them against both
// (Sniff, ByExt, ByType).
package mimetype

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
)

// Format is what a file's bytes are, as far as they can be told: types
// whose bytes look alike share one (a .docx is a zip).
type Format string

// The formats whose bytes Sniff can tell; "" is a format it cannot.
const (
	PDF  Format = "pdf"
	PNG  Format = "png"
	JPEG Format = "jpeg"
	GIF  Format = "gif"
	WebP Format = "webp"
	HEIC Format = "heic"
	Zip  Format = "zip"
	OLE  Format = "ole" // an OLE compound file: .doc, .xls and .ppt are
	Text Format = "text"
)

// Content types that only Sniff gives: no extension stands for them.
const (
	OLEStorage = "application/x-ole-storage" // an OLE compound file
	Executable = "application/x-executable"  // an ELF, PE or Mach-O program
	Unknown    = "application/octet-stream"  // bytes that say nothing, or no type given
)

// types is the table. Each row is a file type: its extensions (lower case;
// those of one row are one type, as jpeg and jpg), the content types that
// name it (the first is the one its extensions stand for), and its format.
// A row without extensions is a content type whose bytes are known but that
// no extension stands for: a file question does not take it for any.
var types = []struct {
	exts   []string
	ctypes []string
	format Format
}{
	{[]string{"pdf"}, []string{"application/pdf"}, PDF},
	{[]string{"jpeg", "jpg"}, []string{"image/jpeg"}, JPEG},
	{[]string{"png"}, []string{"image/png"}, PNG},
	{[]string{"gif"}, []string{"image/gif"}, GIF},
	{[]string{"webp"}, []string{"image/webp"}, WebP},
	{[]string{"heic"}, []string{"image/heic"}, HEIC},
	{[]string{"zip"}, []string{"application/zip", "application/x-zip-compressed"}, Zip}, // the second: what Windows browsers send
	{[]string{"docx"}, []string{"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}, Zip},
	{[]string{"xlsx"}, []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, Zip},
	{[]string{"pptx"}, []string{"application/vnd.openxmlformats-officedocument.presentationml.presentation"}, Zip},
	{[]string{"doc"}, []string{"application/msword"}, OLE},
	{[]string{"xls"}, []string{"application/vnd.ms-excel"}, OLE},
	{[]string{"ppt"}, []string{"application/vnd.ms-powerpoint"}, OLE},
	{nil, []string{OLEStorage}, OLE},
	{[]string{"csv"}, []string{"text/csv"}, Text},
	{[]string{"txt"}, []string{"text/plain"}, Text},
}

var (
	byExt  = map[string]int{}    // extension → row of types
	byType = map[string]Format{} // content type → its format
)

func init() {
	for i, t := range types {
		for _, e := range t.exts {
			byExt[e] = i
		}
		for _, c := range t.ctypes {
			byType[c] = t.format
		}
	}
}

// Ext returns a file name's extension, lower case and without the dot; ""
// when the name has none.
func Ext(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return strings.ToLower(name[i+1:])
	}
	return ""
}

// ByExt returns the format of an extension (lower case, without the dot),
// "" when its bytes cannot be told.
func ByExt(ext string) Format {
	if i, ok := byExt[ext]; ok {
		return types[i].format
	}
	return ""
}

// ByType returns the format of a content type (without parameters), ""
// when its bytes cannot be told.
func ByType(ctype string) Format { return byType[ctype] }

// TypeByName returns the content type a file name's extension stands for:
// the table's, else the system's (mime.TypeByExtension), without
// parameters; "" when neither knows the extension.
func TypeByName(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	if row, ok := byExt[strings.ToLower(name[i+1:])]; ok {
		return types[row].ctypes[0]
	}
	t, _, err := mime.ParseMediaType(mime.TypeByExtension(name[i:]))
	if err != nil {
		return ""
	}
	return t
}

// Accepts reports whether a file with this name and content type is of
// one of the accepted types (extensions, lower case): its extension must be
// listed (jpeg and jpg are one type), and its content type, when given,
// must be one the extension stands for. A content type of an extension the
// table does not know is not checked.
func Accepts(accept []string, name, ctype string) bool {
	ext := Ext(name)
	listed := false
	for _, a := range accept {
		if sameType(strings.ToLower(a), ext) {
			listed = true
			break
		}
	}
	if !listed {
		return false
	}
	ctype, _, _ = strings.Cut(ctype, ";")
	ctype = strings.ToLower(strings.TrimSpace(ctype))
	if ctype == "" || ctype == Unknown {
		return true
	}
	row, ok := byExt[ext]
	if !ok {
		return true
	}
	for _, c := range types[row].ctypes {
		if c == ctype {
			return true
		}
	}
	return false
}

// sameType reports whether two extensions are one type.
func sameType(a, b string) bool {
	if a == b {
		return true
	}
	i, ok := byExt[a]
	j, ok2 := byExt[b]
	return ok && ok2 && i == j
}

// Sniff names the content type of a file from its leading bytes, as
// http.DetectContentType does (PDF, PNG, JPEG, GIF, WebP, ZIP, text and
// more; empty is text), without parameters, and names the binaries it
// does not know: OLE compound files, HEIC images and programs. Unknown
// means the bytes say nothing.
func Sniff(data []byte) string {
	t := http.DetectContentType(data)
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		t = mt
	}
	if t != Unknown {
		return t
	}
	switch {
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return OLEStorage
	case len(data) >= 12 && string(data[4:8]) == "ftyp" && heicBrand(string(data[8:12])):
		return "image/heic"
	case bytes.HasPrefix(data, []byte("\x7fELF")), bytes.HasPrefix(data, []byte("MZ")),
		bytes.HasPrefix(data, []byte("\xfe\xed\xfa\xce")), bytes.HasPrefix(data, []byte("\xfe\xed\xfa\xcf")),
		bytes.HasPrefix(data, []byte("\xce\xfa\xed\xfe")), bytes.HasPrefix(data, []byte("\xcf\xfa\xed\xfe")):
		return Executable
	}
	return t
}

// SniffFormat is Sniff's content type and its format: every text type is
// Text.
func SniffFormat(data []byte) (string, Format) {
	t := Sniff(data)
	if strings.HasPrefix(t, "text/") {
		return t, Text
	}
	return t, byType[t]
}

// heicBrand reports whether an ISO media file's major brand is one of
// HEIF's.
func heicBrand(b string) bool {
	switch b {
	case "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1":
		return true
	}
	return false
}
