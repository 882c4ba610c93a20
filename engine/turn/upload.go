package turn

import (
	"strconv"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/defaults"
	"github.com/botctl/botctl/engine/internal/mimetype"
)

// upload takes an upload event for the file question at s: a file of an
// accepted type and size is handed to the host to store (EffStore), and
// the question waits for its UploadDone.
func (m *machine) upload(s *graph.Step, fields map[string]string) {
	a := s.Ask
	f := &File{Name: fields["name"], Type: fields["type"]}
	size, err := strconv.ParseInt(fields["size"], 10, 64)
	if err != nil || size < 0 {
		m.invalid(s, a.Invalid, "upload without a valid size")
		return
	}
	f.Size = size
	if !mimetype.Accepts(a.Accept, f.Name, f.Type) {
		m.invalid(s, a.Invalid, "file type not accepted: "+f.Name)
		return
	}
	if f.Size > a.MaxSize {
		m.invalid(s, a.Invalid, "file too large: "+strconv.FormatInt(f.Size, 10)+" bytes")
		return
	}
	m.st.Attempts++
	if text, ok := m.render(s, a.Uploading); ok && text != "" {
		m.say(text, 0)
	}
	m.st.Wait = WaitUpload
	m.st.Upload = f
	m.effect(Effect{Kind: EffStore, File: f})
}

// invalid counts a file that the question at s cannot take (or a text
// message instead of one) as a failed attempt; msg is its invalid text.
func (m *machine) invalid(s *graph.Step, msg *cond.Template, why string) {
	m.st.Attempts++
	if msg == nil {
		msg, _ = cond.ParseTemplate(defaults.Invalid(s.Ask.Accept))
	}
	m.attemptFailed(s, msg, why)
}

// uploadDone takes the host's result of storing a file. The event
// file_upload_success or file_upload_failed (with what was said) starts
// its dialog if one matches; else a stored file is the question's answer,
// and a failure waits for another upload while attempts remain.
func (m *machine) uploadDone(id, failure string) {
	s := m.waitingStep()
	f := m.st.Upload
	if s == nil || s.Ask == nil || f == nil {
		m.endDialog()
		return
	}
	a := s.Ask
	if failure != "" {
		text, _ := m.render(s, a.Failure)
		if text != "" {
			m.say(text, 0)
		}
		m.st.Upload = nil
		m.st.Wait = WaitAnswer
		m.traceStep(s, "upload", "storing failed: ", failure)
		if m.raise(EventUploadFailed + ":" + text) {
			return
		}
		if m.st.Attempts >= a.MaxAttempts {
			m.attemptFailed(s, nil, "storing failed")
		}
		return
	}
	f.ID = id
	text, _ := m.render(s, a.Success)
	if text != "" {
		m.say(text, 0)
	}
	m.traceStep(s, "upload", "stored ", f.Name)
	m.st.Vars[a.Save] = f.value()
	m.env.Answer = m.st.Vars[a.Save]
	m.clearWait()
	if m.raise(EventUploadSucceeded + ":" + text) {
		return
	}
	m.st.Dialog, m.st.Step = s.Dialog.Name, s.Key
	m.accept(s, m.st.Vars[a.Save])
}
