package directline

import (
	"context"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/botctl/botctl/engine/server"
)

// stream serves the streamUrl: a WebSocket on which the server sends an
// activity set for every change of the conversation, from the watermark
// of the URL on, in the log's order. What the client sends (directlinejs
// sends empty messages to notice a dead connection) is read and dropped;
// activities are posted over HTTP.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, b *server.Bot) error {
	conv := r.PathValue("conv")
	c, err := parseToken(h.key, r.URL.Query().Get("t"), kindStream, h.now())
	if err != nil || c.Bot != b.Name || c.Conv != conv {
		return fail(http.StatusForbidden, "BadArgument", "the streamUrl is not valid or has expired; get a new one (GET conversations/{id})")
	}
	wm, err := parseWatermark(r.URL.Query().Get("watermark"))
	if err != nil {
		return fail(http.StatusBadRequest, "BadArgument", "%s", err.Error())
	}
	id := conversationID(b.Name, conv)
	if err := h.exists(r.Context(), b, conv); err != nil {
		return err
	}
	// Web Chat may be served from another origin than the bot: the
	// stream token, not the origin, is what grants the conversation.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return nil // Accept has answered the client
	}
	defer ws.CloseNow()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		defer cancel()
		for {
			if _, _, err := ws.Read(ctx); err != nil {
				h.log.Debug("directline stream closed", "conversation", id, "reason", err)
				return
			}
		}
	}()
	ping := time.NewTicker(h.pingFreq)
	defer ping.Stop()
	for {
		woken := h.srv.ChannelWait(id)
		set, err := h.page(ctx, b, conv, c.User, wm)
		if err != nil {
			_, _, msg := server.ChannelError(err)
			ws.Close(websocket.StatusInternalError, truncate(msg, 100))
			return nil
		}
		if len(set.Activities) > 0 {
			if err := writeSet(ctx, ws, set); err != nil {
				return nil
			}
		}
		wm, _ = parseWatermark(set.Watermark)
		select {
		case <-woken:
		case <-ping.C:
			pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
			err := ws.Ping(pctx)
			pcancel()
			if err != nil {
				return nil
			}
		case <-ctx.Done():
			ws.Close(websocket.StatusNormalClosure, "")
			return nil
		}
	}
}

func writeSet(ctx context.Context, ws *websocket.Conn, set ActivitySet) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	data, err := jsonMarshal(set)
	if err != nil {
		return err
	}
	return ws.Write(ctx, websocket.MessageText, data)
}
