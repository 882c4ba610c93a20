package compile

import "testing"

func TestLLMChecks(t *testing.T) {
	src := `botctl: 1
bot:
  name: b
  env: [LLM_API]
  secrets: [KEY]
llm:
  fast:
    url: "${env.LLM_API}/v1"
    model: m
    api_key: NOT_DECLARED
  big:
    url: "https://${vars.host}/v1"
    model: m2
variables: {city: "", reply: "", host: ""}
dialogs:
  a:
    starters: [a]
    steps:
      - ask: Where?
        save: city
        extract: llm
      - ask: Card?
        save: city
        sensitive: true
        extract: llm
        llm: fast
      - generate: "Say hi to ${vars.city}"
        llm: medium
        save: reply
        knowledge: [../outside.md, missing.md]
      - generate: hi
        llm: big
`
	_, diags := compileSrc(t, src)
	got := diagLines(withoutLints(diags))
	want := "bot.yaml:10:14: error[unknown-secret]: integration llm.fast: `api_key` names NOT_DECLARED, which is not declared under `bot.secrets` (add NOT_DECLARED to `bot.secrets`: the key is a secret, never written in the bot)\n" +
		"bot.yaml:12:21: error[url-host-not-env]: integration llm.big: `url` reads `vars.host` in its scheme or host, where only env may be read; put values from the conversation in the path or query\n" +
		"bot.yaml:19:9: error[unknown-llm]: step 1 of dialog a: `extract: llm` needs `llm:` to say which model (the bot declares fast, big and none named default)\n" +
		"bot.yaml:25:18: error[sensitive-extract]: step 2 of dialog a: a sensitive answer is never sent to a language model; drop `extract: llm` or `sensitive: true`\n" +
		"bot.yaml:28:14: error[unknown-llm]: step 3 of dialog a: `llm` names medium, which is not declared under `llm:` (declared: fast, big)\n" +
		"bot.yaml:30:21: error[bad-knowledge]: step 3 of dialog a: knowledge file \"../outside.md\" must be a path inside the bot's directory\n" +
		"bot.yaml:30:36: error[bad-knowledge]: step 3 of dialog a: knowledge file missing.md: open missing.md: no such file or directory\n" +
		"bot.yaml:31:9: error[missing-save]: step 4 of dialog a: `generate` needs `save` (add `save:` with the declared variable that receives the text)\n"
	if got != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
	}
}
