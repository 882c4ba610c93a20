package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/botctl/botctl/engine/adminclient"
	"github.com/botctl/botctl/engine/server"
)

const conversationsLong = `Conversations lists, shows and erases the conversations of a running
botctl serve, through its admin API (docs/api.md): the same calls as
GET /v1/conversations, GET /v1/conversations/{id}, DELETE
/v1/conversations/{id} and DELETE /v1/users/{id}.

--url is the server (default: BOTCTL_URL, else http://127.0.0.1:8080);
the admin key is --api-key or BOTCTL_API_KEY (the first one of a
comma-separated list). A server without keys, on loopback, needs none.

Sensitive values show as [sensitive], as they do in the API.`

const conversationsExample = `  botctl conversations list --bot acme-support --owner agent
  botctl conversations list --user u-42 --since 24h --format json
  botctl conversations show c_0123456789abcdef0123456789abcdef
  botctl conversations delete c_0123456789abcdef0123456789abcdef
  botctl conversations delete --user u-42`

type adminOptions struct {
	url, apiKey string
}

func (a *app) conversationsCommand() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:     "conversations",
		Aliases: []string{"conv"},
		Short:   "List, show and erase the conversations of a running server",
		Long:    conversationsLong,
		Example: conversationsExample,
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.url, "url", "", "the server's `URL` (default: BOTCTL_URL, else http://127.0.0.1:8080)")
	pf.StringVar(&o.apiKey, "api-key", "", "an admin API `KEY` (prefer BOTCTL_API_KEY, which ps does not show)")
	cmd.AddCommand(a.conversationsList(&o), a.conversationsShow(&o), a.conversationsDelete(&o))
	return cmd
}

func (a *app) adminClient(o *adminOptions) *adminclient.Client {
	c := &adminclient.Client{URL: o.url, APIKey: o.apiKey}
	if c.URL == "" {
		c.URL = a.getenv("BOTCTL_URL")
	}
	if c.URL == "" {
		c.URL = "http://127.0.0.1:8080"
	}
	if c.APIKey == "" {
		k, _, _ := strings.Cut(a.getenv("BOTCTL_API_KEY"), ",")
		c.APIKey = strings.TrimSpace(k)
	}
	return c
}

func (a *app) conversationsList(o *adminOptions) *cobra.Command {
	var (
		q      adminclient.Query
		since  string
		all    bool
		format = newEnum("table", "table", "json")
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List conversations, newest first",
		Long: `List prints the conversations that match every filter given, the
conversation updated last first: one page of --limit (default 50), and how
to ask for the next; --all follows the pages to the end.

--since keeps those updated since a time (RFC 3339, such as
2026-12-01T00:00:00Z) or for a duration up to now (such as 24h).
--format json prints the API's answer (with --all: one answer per page,
one per line).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since != "" {
				t, err := parseSince(since, time.Now())
				if err != nil {
					return usageError{err}
				}
				q.UpdatedSince = t
			}
			if q.Limit < 0 || q.Limit > 1000 {
				return usagef("--limit is 1 to 1000, not %d", q.Limit)
			}
			c := a.adminClient(o)
			ctx := cmd.Context()
			first := true
			for {
				page, err := c.List(ctx, q)
				if err != nil {
					return err
				}
				if format.value == "json" {
					if err := json.NewEncoder(a.stdout).Encode(page); err != nil {
						return err
					}
				} else if err := printSummaries(a.stdout, page.Conversations, first); err != nil {
					return err
				}
				first = false
				if page.NextCursor == "" {
					return nil
				}
				if !all {
					if format.value == "table" {
						fmt.Fprintf(a.stderr, "more: --cursor %s (or --all)\n", page.NextCursor)
					}
					return nil
				}
				q.Cursor = page.NextCursor
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&q.Bot, "bot", "", "only the conversations of this `BOT`")
	f.StringVar(&q.User, "user", "", "only those whose user.id is `ID`")
	f.StringVar(&q.Owner, "owner", "", "only those this `OWNER` has: bot, agent or closed")
	f.StringVar(&q.Tag, "tag", "", "only those with this `TAG`")
	f.StringVar(&since, "since", "", "only those updated since `TIME` (RFC 3339) or for a duration up to now (24h)")
	f.IntVar(&q.Limit, "limit", 0, "at most `N` per page, 1 to 1000 (default 50)")
	f.StringVar(&q.Cursor, "cursor", "", "the page after this `CURSOR`, as the previous page printed it")
	f.BoolVar(&all, "all", false, "follow the pages to the end")
	f.Var(format, "format", "print a table or json")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(format.words...))
	return cmd
}

// parseSince reads --since: a time, or a duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("--since %s: a duration back from now is positive", s)
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--since %q: give a time such as 2026-12-01T00:00:00Z or a duration such as 24h", s)
	}
	return t, nil
}

func printSummaries(w io.Writer, convs []server.ConversationSummary, header bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if header {
		fmt.Fprintln(tw, "ID\tBOT\tOWNER\tUSER\tUPDATED\tMESSAGES\tTAGS")
	}
	for _, c := range convs {
		user := c.UserID
		if user == "" {
			user = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", c.ID, c.Bot, c.Owner, user,
			c.UpdatedAt.UTC().Format(time.RFC3339), c.Cursor, strings.Join(c.Tags, ","))
	}
	return tw.Flush()
}

func (a *app) conversationsShow(o *adminOptions) *cobra.Command {
	format := newEnum("text", "text", "json", "transcript")
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a conversation: its state and its transcript",
		Long: `Show prints a conversation: who owns it, its user, its tags and its
variables, then the conversation as a transcript. --format json prints the
API's answer; --format transcript only the transcript, which botctl test
can run.`,
		Args: oneID("show"),
		RunE: func(cmd *cobra.Command, args []string) error {
			conv, err := a.adminClient(o).Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			switch format.value {
			case "json":
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(conv)
			case "transcript":
				_, err := io.WriteString(a.stdout, conv.Transcript)
				return err
			}
			return printConversation(a.stdout, conv)
		},
	}
	cmd.Flags().Var(format, "format", "print text, json or the transcript")
	_ = cmd.RegisterFlagCompletionFunc("format", completeWords(format.words...))
	return cmd
}

func printConversation(w io.Writer, c server.ConversationResponse) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("id", c.ID)
	row("bot", c.Bot+" "+c.Version)
	row("owner", c.Owner)
	if id, ok := c.User["id"]; ok {
		row("user", fmt.Sprint(id))
	}
	row("tags", strings.Join(c.Tags, ", "))
	row("dialog", c.Dialog)
	row("waiting", c.Waiting)
	row("started", c.StartedAt.UTC().Format(time.RFC3339))
	row("updated", c.UpdatedAt.UTC().Format(time.RFC3339))
	row("turns", fmt.Sprint(c.Turn))
	names := make([]string, 0, len(c.Variables))
	for k := range c.Variables {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b, _ := json.Marshal(c.Variables[k])
		row("  "+k, string(b))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s", c.Transcript)
	return err
}

func (a *app) conversationsDelete(o *adminOptions) *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "delete ID... | --user ID",
		Short: "Erase conversations, or every conversation of a user",
		Long: `Delete erases conversations for good: their state, messages, uploaded
files and the validity of their tokens. --user erases every conversation
whose user.id is ID (a data subject's request to be forgotten) and prints
how many there were.

A conversation that is not there is an error (exit status 1) after the
others are erased.`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case user != "" && len(args) > 0:
				return usagef("delete takes conversation ids or --user, not both")
			case user == "" && len(args) == 0:
				return usagef("delete: give the ids of the conversations to erase, or --user ID")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c := a.adminClient(o)
			ctx := cmd.Context()
			if user != "" {
				n, err := c.DeleteUser(ctx, user)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "erased %d %s of user %s\n", n, plural(n, "conversation"), user)
				return nil
			}
			return a.deleteEach(ctx, c, args)
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "erase every conversation of the user with this `ID`")
	return cmd
}

func (a *app) deleteEach(ctx context.Context, c *adminclient.Client, ids []string) error {
	var failed error
	for _, id := range ids {
		err := c.Delete(ctx, id)
		switch {
		case adminclient.IsNotFound(err):
			fmt.Fprintf(a.stderr, "%s: no such conversation\n", id)
			failed = exitError{exitFailure}
		case err != nil:
			return fmt.Errorf("%s: %w", id, err)
		default:
			fmt.Fprintf(a.stdout, "erased %s\n", id)
		}
	}
	return failed
}

func oneID(name string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usagef("%s takes one conversation ID, got %d arguments", name, len(args))
		}
		return nil
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
