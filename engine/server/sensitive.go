package server

// This file keeps sensitive values (docs/language.md#41-sensitive-values) out
// of everything the server stores, shows or sends: the state is sealed
// before the store sees it and opened after reading it, and the log
// entries, the stored replies and the events are masked.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/seal"
	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// WithDataKeys sets the keys that encrypt sensitive values at rest
// (AES-256, 32 bytes each): the first seals, every one opens, so a key is
// rotated by putting a new one first and dropping the old one once no
// stored conversation needs it. The default is one random key that lives
// as long as the Server: right for a memory store only.
func WithDataKeys(keys ...[]byte) Option {
	return func(s *Server) error {
		kr, err := seal.New(keys...)
		if err != nil {
			return fmt.Errorf("data keys: %w", err)
		}
		s.sealer = kr
		return nil
	}
}

// The keys of State.Sealed that hold the last message and the last
// call's result.
const (
	sealedInput  = "input"
	sealedResult = "result"
)

// sealedVar is the key of State.Sealed that holds variable name.
func sealedVar(name string) string { return "vars." + name }

// aad binds a sealed value to its conversation and field, so that a value
// copied into another conversation does not open there.
func aad(conv, field string) []byte { return []byte(conv + "\x00" + field) }

// stateBot returns the compiled bot a state runs on, or nil when the
// server has none of that name.
func (s *Server) stateBot(st turn.State) *graph.Bot {
	b := s.bots.Version(st.Bot, st.Version)
	if b == nil {
		b = s.bots.Current(st.Bot)
	}
	if b == nil {
		return nil
	}
	return b.Bot
}

// sealState returns st as the store keeps it: the values of the bot's
// sensitive variables, the last message and the last call's result moved,
// encrypted, to st.Sealed. The last message and result are sealed whenever
// the bot has sensitive values, since the message may be an answer to a
// sensitive question and a service may echo one in its result. A state
// whose bot the server does not know has nothing to seal it by; it is
// kept as it is, as it was read.
func (s *Server) sealState(st turn.State) (turn.State, error) {
	bot := s.stateBot(st)
	if bot == nil || len(bot.Sensitive) == 0 {
		return st, nil
	}
	sealed := make(map[string]string, len(st.Sealed)+len(bot.Sensitive)+1)
	for k, v := range st.Sealed {
		sealed[k] = v // values this version no longer calls sensitive stay sealed
	}
	vars := make(map[string]any, len(st.Vars))
	for k, v := range st.Vars {
		vars[k] = v
	}
	for _, name := range bot.Sensitive {
		v, ok := vars[name]
		if !ok {
			continue
		}
		data, err := json.Marshal(v)
		if err != nil {
			return st, fmt.Errorf("sealing variable %s: %w", name, err)
		}
		sealed[sealedVar(name)] = s.sealer.Seal(data, aad(st.ID, sealedVar(name)))
		delete(vars, name)
	}
	if st.Input != "" {
		sealed[sealedInput] = s.sealer.Seal([]byte(st.Input), aad(st.ID, sealedInput))
		st.Input = ""
	}
	if st.Result != nil {
		data, err := json.Marshal(st.Result)
		if err != nil {
			return st, fmt.Errorf("sealing the call result: %w", err)
		}
		sealed[sealedResult] = s.sealer.Seal(data, aad(st.ID, sealedResult))
		st.Result = nil
	}
	st.Vars, st.Sealed = vars, sealed
	return st, nil
}

// decodeState decodes a stored state and opens its sealed values, for a
// turn: the turn holds clear values in memory only.
func (s *Server) decodeState(data []byte) (turn.State, error) {
	st, err := turn.Unmarshal(data)
	if err != nil || len(st.Sealed) == 0 {
		return st, err
	}
	sealed := st.Sealed
	st.Sealed = nil
	st.Vars = cloneVars(st.Vars)
	for field, v := range sealed {
		plain, err := s.sealer.Open(v, aad(st.ID, field))
		if err != nil {
			return turn.State{}, fmt.Errorf("opening the sealed %s: %w", field, err)
		}
		switch field {
		case sealedInput:
			st.Input = string(plain)
			continue
		case sealedResult:
			// Through the codec, so that numbers come back as they were.
			r, err := turn.Unmarshal(append(append([]byte(`{"result":`), plain...), '}'))
			if err != nil {
				return turn.State{}, fmt.Errorf("the sealed call result: %w", err)
			}
			st.Result = r.Result
			continue
		}
		name, ok := bytes.CutPrefix([]byte(field), []byte("vars."))
		if !ok {
			return turn.State{}, fmt.Errorf("a sealed value of an unknown kind, %q", field)
		}
		val, err := decodeValue(plain)
		if err != nil {
			return turn.State{}, fmt.Errorf("the sealed %s: %w", field, err)
		}
		st.Vars[string(name)] = val
	}
	return st, nil
}

func cloneVars(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// decodeValue decodes a variable's value as the state codec does: whole
// numbers as int, others as float64. It goes through the codec itself, so
// a sealed value comes back exactly as it would have unsealed.
func decodeValue(data []byte) (any, error) {
	st, err := turn.Unmarshal(append(append([]byte(`{"vars":{"v":`), data...), "}}"...))
	if err != nil {
		return nil, err
	}
	return st.Vars["v"], nil
}

// shownVars are a conversation's variables as GET shows them: the
// sensitive ones, sealed or not, as "[sensitive]".
func (s *Server) shownVars(st turn.State) map[string]any {
	vars := st.Vars
	if bot := s.stateBot(st); bot != nil {
		vars = turn.MaskVars(bot, vars)
	}
	if len(st.Sealed) > 0 {
		vars = cloneVars(vars)
		for field := range st.Sealed {
			if name, ok := bytes.CutPrefix([]byte(field), []byte("vars.")); ok {
				vars[string(name)] = turn.Masked
			}
		}
	}
	return vars
}

// maskMessages returns msgs with every text rd masks replaced by
// "[sensitive]", in their texts and data; msgs itself is not changed.
func maskMessages(rd *turn.Redactor, msgs []store.Message) []store.Message {
	if rd == nil || len(msgs) == 0 {
		return msgs
	}
	out := make([]store.Message, len(msgs))
	for i, m := range msgs {
		m.Text = rd.Redact(m.Text)
		m.Data = maskJSON(rd, m.Data)
		out[i] = m
	}
	return out
}

// maskJSON masks the strings of a JSON document; it comes back as it is
// when it holds nothing to mask.
func maskJSON(rd *turn.Redactor, data []byte) []byte {
	if rd == nil || len(data) == 0 || rd.Redact(string(data)) == string(data) {
		return data
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []byte(rd.Redact(string(data))) // not JSON: mask it as text
	}
	out, err := json.Marshal(rd.Value(v))
	if err != nil {
		return []byte(rd.Redact(string(data)))
	}
	return out
}

// see adds the values of st's sensitive variables to what the turn's
// entries are masked by.
func (t *ledger) see(bot *graph.Bot, st turn.State) {
	if bot == nil || len(bot.Sensitive) == 0 {
		return
	}
	t.sensitive = append(t.sensitive, turn.SensitiveTexts(bot, st)...)
	t.masker = nil
}

// mask returns the turn's masker, nil when it has nothing to mask.
func (t *ledger) mask() *turn.Redactor {
	if t.masker == nil && len(t.sensitive) > 0 {
		t.masker = turn.NewMasker(t.sensitive...)
	}
	return t.masker
}

// mayBeSensitive reports whether conversation id runs on a bot with
// sensitive values, or one the server cannot tell.
func (s *Server) mayBeSensitive(ctx context.Context, id string) bool {
	rec, err := s.store.Get(ctx, id)
	if err != nil {
		return true
	}
	st, err := turn.Unmarshal(rec.State)
	if err != nil {
		return true
	}
	bot := s.stateBot(st)
	return bot == nil || len(bot.Sensitive) > 0
}
