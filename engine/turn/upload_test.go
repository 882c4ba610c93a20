package turn

import (
	"errors"
	"testing"
)

const fileBot = header + `  error_message: Broken.
variables: {doc: {}}
dialogs:
  file:
    starters: [file]
    steps:
      - ask: Send your ID.
        save: doc
        type: file
        accept: [pdf, JPG]
        max_size: 1KB
        max_attempts: 4
        on_fail: gave_up
      - say: "Got ${vars.doc.name} (${vars.doc.type}, ${vars.doc.size} bytes) as ${vars.doc.id}."
      - end
      - id: gave_up
        say: Never mind.
`

// A file question takes an upload of an accepted type (by its name, and
// by its content type when one is given) and size, has the host store it,
// and saves it; anything else is an invalid attempt.
func TestUpload(t *testing.T) {
	check(t, compileBot(t, fileBot), nil, `
> file
< Send your ID.
<< upload accept=pdf,jpg
> here it is
< The file type is invalid. Upload one of these types: pdf, jpg.
>> upload name=id.png type=image/png size=10
< The file type is invalid. Upload one of these types: pdf, jpg.
>> upload name=id.pdf type=image/png size=10
< The file type is invalid. Upload one of these types: pdf, jpg.
>> upload name=id.pdf type=application/pdf size=1025
< Never mind.
> file
< Send your ID.
<< upload accept=pdf,jpg
>> upload name=id.pdf type=application/pdf size=-1
< The file type is invalid. Upload one of these types: pdf, jpg.
>> upload name=ID.JPEG type=image/jpeg size=1024
< Processing the file…
< Successfully processed the file.
< Got ID.JPEG (image/jpeg, 1024 bytes) as file-1.
>> upload name=id.pdf size=10
!! event upload refused: `+ErrNoFileAsked.Error()+`
`)
}

// A file the host cannot store waits for another upload while attempts
// remain; the events file_upload_failed and file_upload_success start
// their dialogs, with what was said, instead of the question's own course.
func TestUploadDone(t *testing.T) {
	check(t, compileBot(t, fileBot), &mocks{storeErr: errors.New("disk full")}, `
> file
< Send your ID.
<< upload accept=pdf,jpg
>> upload name=a.pdf size=1
< Processing the file…
< Failed to process the file. Please try again.
>> upload name=a.pdf size=1
< Processing the file…
< Failed to process the file. Please try again.
>> upload name=a.pdf size=1
< Processing the file…
< Failed to process the file. Please try again.
>> upload name=a.pdf size=1
< Processing the file…
< Failed to process the file. Please try again.
< Never mind.
`)
	events := fileBot + `  failed:
    starters: [{event: "file_upload_failed:*"}]
    steps: [{say: "Failed event: ${vars.doc}"}]
  stored:
    starters: [{event: "file_upload_success:Successfully*"}]
    steps: [{say: "Stored event: ${vars.doc.id}"}]
`
	check(t, compileBot(t, events), &mocks{storeErr: errors.New("disk full")}, `
> file
< Send your ID.
<< upload accept=pdf,jpg
>> upload name=a.pdf size=1
< Processing the file…
< Failed to process the file. Please try again.
< Failed event: {}
`)
	check(t, compileBot(t, events), nil, `
> file
< Send your ID.
<< upload accept=pdf,jpg
>> upload name=a.pdf size=1
< Processing the file…
< Successfully processed the file.
< Stored event: file-1
`)
}
