package server

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// filesBot asks for a file of any type the server checks the bytes of.
const filesBot = `botctl: 1
bot:
  name: files
  welcome: ask
variables: {doc: {}}
dialogs:
  ask:
    steps:
      - ask: "Send the file."
        save: doc
        type: file
        accept: [pdf, png, jpeg, gif, webp, heic, docx, xlsx, pptx, doc, xls, csv, txt, zip, bin]
        invalid: "Not that file."
        max_attempts: 2
      - say: "Got ${vars.doc.name} as ${vars.doc.type}."
`

// TestUploadChecksBytes: an upload whose leading bytes contradict its
// declared type or its name gets the file question's invalid message,
// counted as an attempt, as a wrong type does; the log says why, without
// the file's contents.
func TestUploadChecksBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "files.yaml")
	if err := os.WriteFile(path, []byte(filesBot), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	e := newEnv(t, WithBots(loadBot(t, path)), WithFiles(&MemoryFiles{}),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	var (
		elf  = []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00secret-payload")
		pdf  = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
		png  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
		jpeg = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
		gif  = []byte("GIF89a\x01\x00\x01\x00")
		webp = []byte("RIFF\x24\x00\x00\x00WEBPVP8 ")
		heic = []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
		zip  = []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00")
		ole  = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00")
		csv  = []byte("name,amount\nAnn,3\n")
		exe  = []byte("MZ\x90\x00\x03\x00\x00\x00")
		junk = []byte("\x00\x01\x02\x03binary")
	)
	const (
		docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	)
	tests := []struct {
		name, ctype string
		data        []byte
		want        string // the type the bot saves, "" when it refuses the file
	}{
		{"evil.pdf", "application/pdf", elf, ""},
		{"evil.pdf", "", elf, ""},
		{"evil.pdf", "application/octet-stream", elf, ""},
		{"evil.png", "image/png", exe, ""},
		{"evil.txt", "text/plain", elf, ""},
		{"evil.csv", "text/csv", junk, ""},
		{"evil.docx", docx, pdf, ""},
		{"evil.doc", "application/msword", zip, ""},
		{"photo.jpeg", "image/jpeg", png, ""},
		{"empty.pdf", "application/pdf", nil, ""},
		// The bytes fit the name, not the declared type: a wrong type.
		{"a.zip", "application/pdf", zip, ""},
		{"receipt.pdf", "application/pdf", pdf, "application/pdf"},
		{"receipt.pdf", "", pdf, "application/pdf"},
		{"photo.png", "image/png", png, "image/png"},
		{"photo.jpg", "image/jpeg", jpeg, "image/jpeg"},
		{"anim.gif", "image/gif", gif, "image/gif"},
		{"photo.webp", "image/webp", webp, "image/webp"},
		{"photo.heic", "image/heic", heic, "image/heic"},
		{"letter.docx", docx, zip, docx},
		{"sheet.xlsx", xlsx, zip, xlsx},
		{"old.doc", "application/msword", ole, "application/msword"},
		{"old.xls", "application/vnd.ms-excel", ole, "application/vnd.ms-excel"},
		{"all.zip", "application/zip", zip, "application/zip"},
		{"data.csv", "text/csv", csv, "text/csv"},
		{"notes.txt", "text/plain", []byte("hello\n"), "text/plain"},
		{"empty.txt", "text/plain", nil, "text/plain"},
		{"evil.pptx", pptx, elf, ""},
		{"deck.pptx", pptx, zip, pptx},
		// A type whose bytes the server does not know is not checked.
		{"blob.bin", "application/x-thing", junk, "application/x-thing"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.ctype, func(t *testing.T) {
			c := e.create(map[string]any{"bot": "files"})
			logs.Reset()
			var tr TurnResponse
			e.upload(c.ID, c.Token, tt.name, tt.ctype, tt.data).want(t, 200).decode(t, &tr)
			var conv ConversationResponse
			e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &conv)
			if tt.want == "" {
				if got := lines(tr.Messages); got != "< Not that file.\n" || conv.Waiting != "upload" {
					t.Errorf("got\n%s(waiting %q), want the invalid message", got, conv.Waiting)
				}
				if !strings.Contains(logs.String(), "upload: its bytes contradict its type or name") {
					t.Errorf("the log does not say why: %s", logs.String())
				}
				if strings.Contains(logs.String(), "secret-payload") {
					t.Errorf("the log has the file's contents: %s", logs.String())
				}
				// It counts as an attempt, as a wrong type does: the second of
				// the two ends the question.
				e.upload(c.ID, c.Token, tt.name, tt.ctype, tt.data).want(t, 200)
				var after ConversationResponse
				e.do("GET", "/v1/conversations/"+c.ID, adminKey, nil).want(t, 200).decode(t, &after)
				if after.Waiting != "" {
					t.Errorf("after two attempts the conversation waits for %q", after.Waiting)
				}
				return
			}
			doc, _ := conv.Variables["doc"].(map[string]any)
			if got := lines(tr.Messages); !strings.HasSuffix(got, "< Got "+tt.name+" as "+tt.want+".\n") || doc["type"] != tt.want {
				t.Errorf("got\n%s(saved %v), want the file taken as %s", got, doc, tt.want)
			}
			if strings.Contains(logs.String(), "its bytes contradict") {
				t.Errorf("logged as a mismatch: %s", logs.String())
			}
		})
	}
}
