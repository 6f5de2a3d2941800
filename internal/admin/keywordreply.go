package admin

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/webhook"
)

// keywordReplyJSON is one keyword reply in --json output: the text the
// next keyword gets, whether it is the default, and how it travels.
type keywordReplyJSON struct {
	Text     string `json:"text"`
	Default  bool   `json:"default"`
	Encoding string `json:"encoding"`
	Segments int    `json:"segments"`
}

// keywordRepliesJSON is an API client's answers to STOP, START and HELP.
type keywordRepliesJSON struct {
	Stop  keywordReplyJSON `json:"stop"`
	Start keywordReplyJSON `json:"start"`
	Help  keywordReplyJSON `json:"help"`
}

func newKeywordRepliesJSON(r platform.KeywordReplies) keywordRepliesJSON {
	one := func(typ, custom string) keywordReplyJSON {
		text := r.Text(typ)
		info := redcloud.Segments(text)
		return keywordReplyJSON{Text: text, Default: custom == "", Encoding: info.Encoding, Segments: info.Segments}
	}
	return keywordRepliesJSON{Stop: one(webhook.KeywordOptOut, r.OptOut), Start: one(webhook.KeywordOptIn, r.OptIn),
		Help: one(webhook.KeywordHelp, r.Help)}
}

// rows are the replies as table rows: keyword, then what it gets.
func (k keywordRepliesJSON) rows() [][2]string {
	row := func(name string, r keywordReplyJSON) [2]string {
		kind := "custom"
		if r.Default {
			kind = "default"
		}
		s := "s"
		if r.Segments == 1 {
			s = ""
		}
		return [2]string{name + " reply", fmt.Sprintf("%s, %d segment%s %s: %s", kind, r.Segments, s, r.Encoding, strconv.Quote(r.Text))}
	}
	return [][2]string{row("STOP", k.Stop), row("START", k.Start), row("HELP", k.Help)}
}

// keywordReplyFlags maps the operator's fields to the flags that set them.
// HELP's flag is --help-text: --help is every command's help.
var keywordReplyFlags = flags{"stop": "--stop", "start": "--start", "help": "--help-text", "reset": "--reset"}

func (r *root) clientRepliesCmd() *cobra.Command {
	var stop, start, help string
	var reset, asJSON bool
	cmd := &cobra.Command{
		Use:   "replies CLIENT_ID [--stop TEXT] [--start TEXT] [--help-text TEXT] | --reset",
		Short: "Set the texts that answer an API client's STOP, START and HELP keywords",
		Long: `Set the SMS that answers each opt-out (STOP …), opt-in (START …) and help
(HELP, INFO) keyword texted to the API client's numbers. Each flag is
optional; the replies not named stay as they are. --reset puts all three back
to the defaults. A text must not be blank and must fit in ` + strconv.Itoa(platform.MaxKeywordReplySegments) + ` SMS segments
(459 GSM-7 characters, or 201 UTF-16 units when a character forces UCS-2:
check with ` + "`redcloud segments TEXT`" + `). With no flag, the replies are shown.`,
		Example: `  redcloud admin client replies rc_01j…
  redcloud admin client replies rc_01j… --stop "Acme: you are unsubscribed. Text START to rejoin."
  redcloud admin client replies rc_01j… --help-text "Acme alerts: help at acme.example/sms. Text STOP to opt out."
  redcloud admin client replies rc_01j… --reset`,
		Args: args("CLIENT_ID"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			// A flag given, even empty, is a text to set (and an empty one is refused).
			in := operator.KeywordRepliesInput{Reset: reset}
			if cmd.Flags().Changed("stop") {
				in.Stop = &stop
			}
			if cmd.Flags().Changed("start") {
				in.Start = &start
			}
			if cmd.Flags().Changed("help-text") {
				in.Help = &help
			}
			show := !reset && in.Stop == nil && in.Start == nil && in.Help == nil
			if !show {
				if err := in.Validate(); err != nil {
					return fail(err, keywordReplyFlags)
				}
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				var replies platform.KeywordReplies
				id := a[0]
				if show {
					c, err := op.GetClient(ctx, id)
					if err != nil {
						return err
					}
					id, replies = c.ID, c.KeywordReplies
				} else {
					ch, err := op.SetKeywordReplies(ctx, id, in)
					if err != nil {
						return fail(err, keywordReplyFlags)
					}
					id, replies = ch.ClientID, ch.To
				}
				k := newKeywordRepliesJSON(replies)
				if asJSON {
					return printJSON(cmd.OutOrStdout(), struct {
						APIClientID    string             `json:"apiClientId"`
						KeywordReplies keywordRepliesJSON `json:"keywordReplies"`
					}{id, k})
				}
				return printKeywordReplies(cmd.OutOrStdout(), id, k)
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&stop, "stop", "", "the reply to an opt-out keyword (STOP, UNSUBSCRIBE, …)")
	f.StringVar(&start, "start", "", "the reply to an opt-in keyword (START, UNSTOP, YES)")
	f.StringVar(&help, "help-text", "", "the reply to a help keyword (HELP, INFO)")
	f.BoolVar(&reset, "reset", false, "put every reply back to its default text")
	f.BoolVar(&asJSON, "json", false, "print the replies as JSON")
	return cmd
}

func printKeywordReplies(w io.Writer, id string, k keywordRepliesJSON) error {
	fmt.Fprintf(w, "keyword replies of api client %s:\n", id)
	tw := table(w)
	for _, row := range k.rows() {
		fmt.Fprintf(tw, "  %s\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}
