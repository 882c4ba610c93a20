package turn

import (
	"errors"
	"strings"
	"testing"
)

const callBot = header + `  env: [API]
  secrets: [TOKEN]
  error_message: Something broke.
variables: {order: "", status: "", tries: 0}
integrations:
  lookup:
    url: "${env.API}/orders/${vars.order}"
    headers: {Authorization: "Bearer ${secret.TOKEN}"}
    query: {q: "${vars.order}"}
    body: {order: "${vars.order}", tries: "${vars.tries}", note: "n=${vars.tries}"}
    method: POST
    pre: {tries: 'vars.tries + 1'}
    success: 'result.status == 200 || result.status == 404'
    post: {status: 'result.status == 404 ? "missing" : result.body.status'}
dialogs:
  ruled:
    starters: ["ruled *"]
    steps:
      - set: {order: 'trim(input[6:])'}
      - call: lookup
        rules:
          - {when: failure, goto: failed}
          - {when: 'vars.status == "missing"', goto: missing}
      - say: "Order ${vars.order}: ${vars.status} (try ${vars.tries})"
      - end
      - id: failed
        say: "Failed: ${result.error}"
      - end
      - id: missing
        say: No such order.
  shorthand:
    starters: ["short *"]
    steps:
      - set: {order: 'trim(input[6:])'}
      - call: lookup
        on_failure: sorry
      - say: "Status ${vars.status}"
      - end
      - id: sorry
        say: "Sorry (${result.status})."
  bare:
    starters: ["bare *"]
    steps:
      - set: {order: 'trim(input[5:])'}
      - call: lookup
      - say: "Status ${vars.status}"
`

func TestCall(t *testing.T) {
	bot := compileBot(t, callBot)
	m := &mocks{calls: map[string][]CallResult{"lookup": {
		{Status: 200, Body: map[string]any{"status": "shipped"}},
		{Status: 404},
		{Status: 500, Body: "oops"},
		{Error: "timeout after 5s"},
		{Status: 503},
		{Status: 503},
		{Status: 200, Body: map[string]any{"status": "late"}},
		{Error: "connection refused"},
	}}}
	check(t, bot, m, `
> ruled 12345
< Order 12345: shipped (try 1)
> ruled 54321
< No such order.
> ruled 1
< Failed: status 500 is not a success
> ruled 2
< Failed: timeout after 5s
> short 3
< Sorry (503).
> bare 4
< Something broke.
> bare 5
< Status late
> short 6
< Sorry (0).
`)
	req := m.requests[0]
	if req.Method != "POST" || req.URL != "http://api.test/orders/12345?q=12345" {
		t.Errorf("request = %s %s", req.Method, req.URL)
	}
	if got := req.Headers; len(got) != 1 || got[0] != [2]string{"Authorization", "Bearer s3cret"} {
		t.Errorf("headers = %q", got)
	}
	if string(req.Body) != `{"note":"n=1","order":"12345","tries":1}` {
		t.Errorf("body = %s", req.Body)
	}
}

// TestCallEscapesTemplatedURLValues checks that user input templated into
// a URL stays inside its path segment or query value.
func TestCallEscapesTemplatedURLValues(t *testing.T) {
	bot := compileBot(t, header+`  env: [API]
variables: {x: ""}
integrations:
  get:
    url: "${env.API}/a/${vars.x}/b?k=${vars.x}"
dialogs:
  d:
    starters: ["go *"]
    steps:
      - set: {x: 'input[3:]'}
      - call: get
`)
	m := &mocks{calls: map[string][]CallResult{"get": {{Status: 200}}}}
	for _, in := range []string{"../../admin", "a?b=c", "x#frag", "a b", "ü/ß", "%2F"} {
		converse(t, bot, m, "> go "+in)
		u := m.requests[len(m.requests)-1].URL
		path, query, _ := strings.Cut(strings.TrimPrefix(u, "http://api.test/a/"), "/b?k=")
		if strings.ContainsAny(path, "/?#") || strings.ContainsAny(query, "&#/") {
			t.Errorf("%q escaped as %s", in, u)
		}
	}
}

// TestCallURLEscapingAfterEnvQuery: when the base URL from env already has
// a query, later values are query-escaped, so user input cannot add
// parameters; an empty env value does not let input through raw either.
func TestCallURLEscapingAfterEnvQuery(t *testing.T) {
	bot := compileBot(t, header+`  env: [BASE]
variables: {x: ""}
integrations:
  get:
    url: "${env.BASE}/v/${vars.x}"
dialogs:
  d:
    starters: ["go *"]
    steps:
      - set: {x: 'input[3:]'}
      - call: get
`)
	for base, want := range map[string]string{
		"http://h/api?key=1": "http://h/api?key=1/v/1%26admin%3Dtrue%2F..",
		"":                   "/v/1&admin=true%2F..",
	} {
		m := &mocks{calls: map[string][]CallResult{"get": {{Status: 200}}}}
		ctx := &Context{Now: testNow, Env: map[string]string{"BASE": base}}
		st := NewState(bot, "c", testNow, nil, nil)
		if _, _, err := Drive(t.Context(), bot, st, Input{Kind: Message, Text: "go 1&admin=true/.."}, ctx, m); err != nil {
			t.Fatal(err)
		}
		if got := m.requests[0].URL; got != want {
			t.Errorf("BASE=%q: URL = %s, want %s", base, got, want)
		}
	}
}

// TestCallRedactsSecretsInRequestErrors: a request that fails to render
// must not show a secret in result.error.
func TestCallRedactsSecretsInRequestErrors(t *testing.T) {
	bot := compileBot(t, header+`  secrets: [TOKEN]
integrations:
  get:
    url: "http://h/x"
    headers: {X-N: "${int(secret.TOKEN)}"}
dialogs:
  d:
    starters: [go]
    steps:
      - call: get
        on_failure: failed
      - end
      - id: failed
        say: "Failed: ${result.error}"
`)
	got, _ := converse(t, bot, nil, "> go")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "[redacted]") {
		t.Errorf("conversation:\n%s", got)
	}
}

// TestCallPostFailureIsACallFailure: a response post cannot process routes
// through the failure rules and sets no variable.
func TestCallPostFailureIsACallFailure(t *testing.T) {
	bot := compileBot(t, header+`variables: {a: "", b: ""}
integrations:
  get:
    url: "http://h/x"
    post: {a: '"set"', b: 'result.body.status'}
dialogs:
  d:
    starters: [go]
    steps:
      - call: get
        on_failure: failed
      - say: "ok ${vars.b}"
      - end
      - id: failed
        say: "Failed (a=${vars.a}): ${result.ok}"
`)
	m := &mocks{calls: map[string][]CallResult{"get": {{Status: 200, Body: "not json"}, {Status: 200, Body: map[string]any{"status": "fine"}}}}}
	check(t, bot, m, `
> go
< Failed (a=): false
> go
< ok fine
`)
}

// A call whose outcome is unknown (the host stopped in the middle of it)
// starts the call_outcome_unknown dialog where the bot has one, and is a
// failure with that error where it does not; each call has its own key.
func TestCallOutcomeUnknown(t *testing.T) {
	unknownDialog := `
  unknown:
    starters: [{event: call_outcome_unknown}]
    steps:
      - say: "Unknown: ${result.error}"
`
	m := &mocks{calls: map[string][]CallResult{"lookup": {{Error: EventCallUnknown}, {Error: EventCallUnknown}}}}
	check(t, compileBot(t, callBot+unknownDialog), m, `
> ruled 1
< Unknown: call_outcome_unknown
`)
	check(t, compileBot(t, callBot), m, `
> ruled 2
< Failed: call_outcome_unknown
`)

	bot := compileBot(t, callBot)
	st := NewState(bot, "c9", testNow, nil, nil)
	ctx := &Context{Now: testNow, Env: map[string]string{"API": "http://api.test"}}
	st, r, err := Run(bot, st, Input{Kind: Message, Text: "ruled 7"}, ctx)
	if err != nil || len(r.Effects) != 1 || r.Effects[0].Key != "c9/1/1" || r.Effects[0].Call.Key != "c9/1/1" {
		t.Fatalf("effects %+v, %v; want one call keyed c9/1/1", r.Effects, err)
	}
	if st.Wait != WaitCall {
		t.Fatalf("waits for %q, want a call", st.Wait)
	}
	st.Lease = &Lease{Key: "c9/1/1", Holder: "s_gone"}
	st, r, err = Run(bot, st, Input{Kind: CallDone, Unknown: true}, ctx)
	if err != nil || st.Lease != nil || st.Wait != WaitNone || len(r.Outputs) != 1 || r.Outputs[0].Text != "Failed: call_outcome_unknown" {
		t.Errorf("after an unknown outcome: %+v, lease %v, wait %q, %v", r.Outputs, st.Lease, st.Wait, err)
	}
	_, r, _ = Run(bot, st, Input{Kind: Message, Text: "ruled 8"}, ctx)
	if len(r.Effects) != 1 || r.Effects[0].Key != "c9/2/1" {
		t.Errorf("the next turn's call: %+v, want key c9/2/1", r.Effects)
	}
}

// The events the engine raises itself cannot be sent by a host: they
// would start their dialogs without the upload or the call behind them.
func TestOwnEventsRefused(t *testing.T) {
	bot := compileBot(t, callBot)
	st := NewState(bot, "c1", testNow, nil, nil)
	for _, name := range []string{"call_outcome_unknown", "file_upload_success:Thanks", "file_upload_failed:x"} {
		_, _, err := Run(bot, st, Input{Kind: Event, Event: name}, nil)
		if !errors.Is(err, ErrOwnEvent) {
			t.Errorf("event %s: %v, want ErrOwnEvent", name, err)
		}
	}
	if _, _, err := Run(bot, st, Input{Kind: Event, Event: "order_shipped"}, nil); err != nil {
		t.Errorf("a host's own event: %v", err)
	}
}
