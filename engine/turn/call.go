package turn

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/botctl/botctl/engine/cond"
	"github.com/botctl/botctl/engine/graph"
)

// callStep runs pre, renders the request and hands it to the host
// (EffCall); the conversation waits for its CallDone. A request that
// cannot be rendered is the call's failure.
func (m *machine) callStep(s *graph.Step) (graph.Target, bool) {
	m.traceStep(s, "call", s.Call.Name)
	in := s.Call
	for _, a := range in.Pre {
		v, err := a.Expr.Eval(&m.env)
		if err != nil {
			m.fail(s, "pre %s: %v", a.Var, err)
			return graph.Target{}, true
		}
		m.st.Vars[a.Var] = v
	}
	req, err := m.request(in)
	if err != nil {
		m.callDoneAt(s, &CallResult{Error: m.redactor().Redact(err.Error())})
		return graph.Target{}, true
	}
	m.st.Wait = WaitCall
	m.effect(Effect{Kind: EffCall, Call: req})
	return graph.Target{}, true
}

// request renders an integration's request. Secrets are readable here and
// nowhere else.
func (m *machine) request(in *graph.Integration) (*Request, error) {
	env := m.env
	env.Secret = m.ctx.Secrets
	u, err := renderURL(in.URL, &env)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if len(in.Query) > 0 {
		parsed, err := url.Parse(u)
		if err != nil {
			return nil, fmt.Errorf("url: %w", err)
		}
		q := parsed.Query()
		for _, p := range in.Query {
			v, err := p.Value.Render(&env)
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", p.Name, err)
			}
			q.Add(p.Name, v)
		}
		parsed.RawQuery = q.Encode()
		u = parsed.String()
	}
	req := &Request{Integration: in, Method: in.Method, URL: u, Timeout: in.Timeout, Retries: in.Retries}
	for _, h := range in.Headers {
		v, err := h.Value.Render(&env)
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", h.Name, err)
		}
		req.Headers = append(req.Headers, [2]string{h.Name, v})
	}
	if in.Body != nil {
		body, err := renderBody(in.Body, &env, 0)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		if req.Body, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
	}
	return req, nil
}

// renderURL renders a URL template, escaping every templated value that
// reads anything but env: as a path segment before the first '?' or '#' of
// the URL rendered so far, as a query value after it. Values that read only
// env (the base URL, checked when the bot is compiled) are written as they are.
func renderURL(t *cond.Template, env *cond.Env) (string, error) {
	if text, plain := t.Plain(); plain {
		return text, nil
	}
	var b strings.Builder
	for _, seg := range t.Segments() {
		if seg.Expr == nil {
			b.WriteString(seg.Text)
			continue
		}
		v, err := seg.Expr.Eval(env)
		if err != nil {
			return "", err
		}
		s := cond.Format(v)
		switch {
		case onlyEnv(seg.Expr):
			b.WriteString(s)
		case strings.ContainsAny(b.String(), "?#"):
			b.WriteString(url.QueryEscape(s))
		default:
			b.WriteString(url.PathEscape(s))
		}
	}
	return b.String(), nil
}

// onlyEnv reports whether e reads env and nothing else.
func onlyEnv(e *cond.Expr) bool {
	refs := e.Refs()
	for _, r := range refs {
		if r.Root != cond.RootEnv {
			return false
		}
	}
	return len(refs) > 0
}

// redactor returns the Redactor of the conversation's secrets, so that no
// error about a request and no call result shows a secret to the user, a
// log, a transcript or the store.
func (m *machine) redactor() *Redactor {
	if m.ctx.Redactor == nil && len(m.ctx.Secrets) > 0 {
		m.ctx.Redactor = NewRedactor(slices.Collect(maps.Values(m.ctx.Secrets))...)
	}
	return m.ctx.Redactor
}

// renderBody renders the templates of a JSON body tree. A string that is a
// single `${expr}` keeps the expression's value and type.
func renderBody(v any, env *cond.Env, depth int) (any, error) {
	if depth > 64 {
		return nil, errors.New("body nested too deeply")
	}
	switch v := v.(type) {
	case *cond.Template:
		if segs := v.Segments(); len(segs) == 1 && segs[0].Expr != nil {
			return segs[0].Expr.Eval(env)
		}
		return v.Render(env)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := renderBody(e, env, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := renderBody(e, env, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// callUnknown takes the host's word that the call the conversation waits
// for may or may not have been performed: the dialog with the event starter
// call_outcome_unknown runs if there is one, else the call fails.
func (m *machine) callUnknown() {
	res := CallResult{Error: EventCallUnknown}
	s := m.waitingStep()
	if waitsForModel(s) {
		m.llmDone(s, &res) // a model's lost answer is no answer
		return
	}
	m.clearWait()
	if s == nil || s.Call == nil {
		m.endDialog()
		return
	}
	if m.bot.Starters.MatchEvent(EventCallUnknown) == nil {
		m.callDoneAt(s, &res)
		return
	}
	m.st.Result = &res
	m.env.Result = res
	m.traceStep(s, "result", "outcome unknown: the call may or may not have been performed")
	m.raise(EventCallUnknown)
}

func (m *machine) callDone(r *CallResult) {
	if r.Error == EventCallUnknown && r.Status == 0 {
		// A result that says so is an unknown outcome too: what a
		// transcript's mock {error: call_outcome_unknown} gives, so that
		// authors can test how their bot handles one.
		m.callUnknown()
		return
	}
	s := m.waitingStep()
	if waitsForModel(s) {
		m.llmDone(s, r)
		return
	}
	m.clearWait()
	if s == nil || s.Call == nil {
		m.endDialog()
		return
	}
	m.callDoneAt(s, r)
}

// callDoneAt applies a call's result at step s: success, post, rules.
func (m *machine) callDoneAt(s *graph.Step, r *CallResult) {
	in := s.Call
	// The host's client redacts what it returns, but a mock or another
	// Performer may not: redact here, whoever made the call.
	res := m.redactor().Result(*r)
	if res.Error == "" {
		ok := res.Status >= 200 && res.Status < 300
		m.env.Result = res
		if in.Success != nil {
			b, err := in.Success.Bool(&m.env)
			if err != nil {
				ok = false
				res.Error = "success condition: " + err.Error()
			} else {
				ok = b
			}
		}
		res.OK = ok
		if !ok && res.Error == "" {
			res.Error = fmt.Sprintf("status %d is not a success", res.Status)
		}
	} else {
		res.OK = false
	}
	m.st.Result = &res
	m.env.Result = res
	if res.OK {
		// post runs as a unit: a response it cannot process (a body of
		// another shape than the bot expects) makes the call a failure that
		// the step's failure rules route, and sets no variable.
		values := make([]any, len(in.Post))
		for i, a := range in.Post {
			v, err := a.Expr.Eval(&m.env)
			if err != nil {
				msg := fmt.Sprintf("post-processing %s failed: %v", a.Var, err)
				m.reply.Errors = append(m.reply.Errors, s.Name()+": "+msg)
				res.OK, res.Error = false, msg
				m.st.Result = &res
				m.env.Result = res
				values = nil
				break
			}
			values[i] = v
		}
		for i, v := range values {
			m.st.Vars[in.Post[i].Var] = v
		}
	}
	m.st.Dialog, m.st.Step = s.Dialog.Name, s.Key
	t, taken, ok := m.rules(s, s.Rules)
	if !ok {
		return
	}
	edge, outcome, why := taken, "success", ""
	if !res.OK {
		outcome, why = "failure: ", res.Error
		switch {
		case taken > 0:
		case s.HasOnFailure:
			edge = EdgeOnFailure
		default:
			edge = EdgeFailed
		}
	}
	m.traceRules(s, "result", edge, taken, t, outcome, why)
	switch {
	case taken > 0:
	case !res.OK && s.HasOnFailure:
		t = s.OnFailure
	case !res.OK:
		m.sayError()
		m.endDialog()
		return
	default:
		t = s.Next
	}
	m.run(m.follow(t))
}
