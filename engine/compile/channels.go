package compile

import (
	"github.com/botctl/botctl/engine/diag"
	"github.com/botctl/botctl/engine/graph"
)

// compileChannels records the header's `channels:` and checks that each
// setting names a declared secret: the server reads the setting's value
// from the environment variable of that name, and only declared secrets
// are redacted from its logs. Unknown platforms and settings are the
// schema's to report.
func (c *compiler) compileChannels() {
	h := c.tree.Header
	if h == nil {
		return
	}
	for _, ch := range h.Channels {
		g := graph.Channel{Name: ch.Name.Value, Settings: map[string]string{}}
		for _, s := range ch.Settings {
			name := s.Value.Value
			if name == "" {
				continue // the schema reports a value that is not a name
			}
			if !c.secrets[name] {
				d := c.diags.Errorf(s.Value.Pos(), "undeclared-secret",
					"channel %s, `%s`: the secret %s is not declared: add it to the `secrets:` list of the bot header",
					ch.Name.Value, s.Key.Value, name)
				d.Suggestion = diag.DidYouMean(name, c.secretNames)
			}
			g.Settings[s.Key.Value] = name
		}
		c.bot.Channels = append(c.bot.Channels, g)
	}
}
