package server

import (
	"github.com/botctl/botctl/engine/internal/mimetype"
)

// typeUnknown is what the server delivers for bytes it cannot name that
// contradict the declared type: application/octet-stream would mean "no
// type given", which every file question takes.
const typeUnknown = "application/x-unknown"

// uploadType checks an upload's leading bytes against its declared
// content type (declared, "" when none) and its name's extension: a file
// question's `accept` decides by the name and the type only, and both are
// whatever the client says. It returns the type to deliver the upload
// with, what the bytes are, and whether they agree.
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
	extKind, typeKind := nameKind(name), mimetype.ByType(declared)
	if extKind == "" && typeKind == "" {
		return declared, "", true
	}
	sniffed, kind := mimetype.SniffFormat(data)
	extOK := extKind == "" || kind == extKind
	if extOK && (typeKind == "" || kind == typeKind) {
		return declared, sniffed, true
	}
	if extOK && extKind != "" {
		return declared, sniffed, false
	}
	if sniffed == mimetype.Unknown {
		return typeUnknown, sniffed, false
	}
	return sniffed, sniffed, false
}

// nameKind is the format of a file name's extension, "" when the server
// does not check its bytes.
func nameKind(name string) mimetype.Format {
	return mimetype.ByExt(mimetype.Ext(name))
}
