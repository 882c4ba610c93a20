package serve

import "github.com/botctl/botctl/engine/channel/directline"

// logChannels logs the channels the bots declare that this version does
// not serve yet, and the Direct Line secrets that are not set (those
// bots' Direct Line answers 403 to every secret until they are).
func (h *host) logChannels() {
	for _, b := range h.bots {
		for _, c := range b.Channels {
			switch c.Name {
			case directline.Channel:
				if h.cfg.Getenv(c.Settings["secret"]) == "" {
					h.cfg.Logger.Warn("the Direct Line secret is not set: clients can use no secret, and no token can be generated",
						"bot", b.Name, "secret", c.Settings["secret"])
				}
			default:
				h.cfg.Logger.Warn("the bot declares a channel this version does not serve yet", "bot", b.Name, "channel", c.Name)
			}
		}
	}
}
