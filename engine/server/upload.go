package server

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
)

// The server checks an upload's bytes against its declared content type
// and its name's extension, for the types whose bytes it can tell: a file
// question's `accept` decides by the name and the type only, and both are
// whatever the client says. Each type maps to the kind its bytes are.
var (
	// extKinds maps an extension (lower case) to its kind.
	extKinds = map[string]string{
		"pdf": "pdf", "png": "png", "jpeg": "jpeg", "jpg": "jpeg", "gif": "gif", "webp": "webp", "heic": "heic",
		"zip": "zip", "docx": "zip", "xlsx": "zip", "pptx": "zip", "doc": "ole", "xls": "ole", "ppt": "ole",
		"csv": "text", "txt": "text",
	}
	// typeKinds maps a content type to its kind; the sniffed types are
	// among them.
	typeKinds = map[string]string{
		"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif",
		"image/webp": "webp", "image/heic": "heic",
		"application/zip": "zip", "application/x-zip-compressed": "zip",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "zip",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "zip",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation": "zip",
		"application/msword": "ole", "application/vnd.ms-excel": "ole", "application/vnd.ms-powerpoint": "ole",
		typeOLE:      "ole",
		"text/csv":   "text",
		"text/plain": "text",
	}
)

const (
	// typeOLE is an OLE compound file: .doc, .xls and .ppt are.
	typeOLE = "application/x-ole-storage"
	// typeExecutable is an ELF, PE or Mach-O program.
	typeExecutable = "application/x-executable"
	// typeUnknown is what the server delivers for bytes it cannot name
	// that contradict the declared type: application/octet-stream would
	// mean "no type given", which every file question takes.
	typeUnknown = "application/x-unknown"
)

// uploadType checks an upload's leading bytes against its declared
// content type (declared, "" when none) and its name's extension. It
// returns the type to deliver the upload with, what the bytes are, and
// whether they agree.
//
// When they do, or when the server does not know what bytes the type and
// the extension take, the type delivered is the declared one. When the
// bytes contradict the extension, it is what the bytes are (typeUnknown
// when the server cannot name them): the file question refuses it as it
// refuses any type that does not fit the extension. When the bytes fit
// the extension but contradict the declared type, the declared type
// stays: it does not fit the extension either, and is refused the same
// way.
func uploadType(name, declared string, data []byte) (deliver, sniffed string, ok bool) {
	extKind, typeKind := nameKind(name), typeKinds[declared]
	if extKind == "" && typeKind == "" {
		return declared, "", true
	}
	sniffed = sniff(data)
	kind := typeKinds[sniffed]
	if strings.HasPrefix(sniffed, "text/") {
		kind = "text"
	}
	extOK := extKind == "" || kind == extKind
	if extOK && (typeKind == "" || kind == typeKind) {
		return declared, sniffed, true
	}
	if extOK && extKind != "" {
		return declared, sniffed, false
	}
	if sniffed == "application/octet-stream" {
		return typeUnknown, sniffed, false
	}
	return sniffed, sniffed, false
}

// nameKind is the kind of a file name's extension, "" when the server
// does not check it.
func nameKind(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return extKinds[strings.ToLower(name[i+1:])]
	}
	return ""
}

// sniff names the type of a file from its leading bytes, as
// http.DetectContentType does (PDF, PNG, JPEG, GIF, WebP, ZIP, text and
// more; empty is text), and for binaries it does not know: OLE compound
// files, HEIC images and programs.
func sniff(data []byte) string {
	t := http.DetectContentType(data)
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		t = mt
	}
	if t != "application/octet-stream" {
		return t
	}
	switch {
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return typeOLE
	case len(data) >= 12 && string(data[4:8]) == "ftyp" && heicBrand(string(data[8:12])):
		return "image/heic"
	case bytes.HasPrefix(data, []byte("\x7fELF")), bytes.HasPrefix(data, []byte("MZ")),
		bytes.HasPrefix(data, []byte("\xfe\xed\xfa\xce")), bytes.HasPrefix(data, []byte("\xfe\xed\xfa\xcf")),
		bytes.HasPrefix(data, []byte("\xce\xfa\xed\xfe")), bytes.HasPrefix(data, []byte("\xcf\xfa\xed\xfe")):
		return typeExecutable
	}
	return t
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
