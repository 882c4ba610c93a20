package schemacheck

import "testing"

// The header's channels: a platform the schema does not know, a setting a
// platform does not have and a missing one are reported at their keys.
func TestChannels(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"valid", `bot:
  name: t
  secrets: [DL, SS, SB, TG, TS, TW]
  channels:
    directline: {secret: DL}
    slack: {signing_secret: SS, bot_token: SB}
    telegram: {bot_token: TG, secret_token: TS}
    twilio: {auth_token: TW}
`, ""},
		{"unknown channel", `bot:
  name: t
  channels:
    slak: {signing_secret: SS, bot_token: SB}
`, "bot.yaml:4:5: error[unknown-key]: bot: unknown key \"slak\" in \"channels\" (did you mean `slack`?)\n"},
		{"unknown setting", `bot:
  name: t
  channels:
    directline: {secrets: DL}
`, "bot.yaml:4:17: error[missing-key]: bot: \"channels.directline\": missing required key \"secret\"\n" +
			"bot.yaml:4:18: error[unknown-key]: bot: unknown key \"secrets\" in \"channels.directline\" (did you mean `secret`?)\n"},
		{"not a name", `bot:
  name: t
  channels:
    telegram: {bot_token: "12345:abc"}
`, "bot.yaml:4:27: error[invalid-name]: bot: \"channels.telegram.bot_token\" \"12345:abc\" may contain only letters, digits and \"_\", and must not start with a digit\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := check(t, tc.src); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
