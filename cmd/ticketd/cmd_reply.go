package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ticketd/ticketd/internal/terminal"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// setFlags collects repeated -set key=value flags.
type setFlags map[string]string

func (s setFlags) String() string { return "" }

func (s setFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	s[strings.TrimSpace(k)] = val
	return nil
}

func replyFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	name := fs.String("template", "", "template `name` (see \"ticketd templates\")")
	vars := setFlags{}
	fs.Var(vars, "set", "template value as `key=value`; repeat for more")
	operator := fs.String("operator", defaultOperator(), "operator `name` recorded with the reply (default $TICKETD_OPERATOR, else $USER)")
	preview := fs.Bool("preview", false, "show the letter without queueing it")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 1, "one ticket number, e.g. TKT-000001"); err != nil {
			return err
		}
		if *name == "" {
			return usageError{"-template is required"}
		}
		if err := needOperator(*operator, ""); err != nil && !*preview {
			return err
		}
		cfg, err := LoadConfig(*config, PartStore, PartTemplates, PartSender)
		if err != nil {
			return err
		}
		set, err := loadTemplates(cfg)
		if err != nil {
			return err
		}
		if err := set.Check(*name, vars); err != nil {
			return usageError{err.Error()}
		}
		db, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		op := &replies.Operator{Tickets: db, Templates: set, From: cfg.SMTP.FromAddress}
		r := replies.Reply{Number: strings.ToUpper(args[0]), Template: *name, Vars: vars, By: *operator}
		if *preview {
			out, err := op.Compose(ctx, r)
			if err != nil {
				return err
			}
			printPreview(e.stdout, out)
			return nil
		}
		out, err := op.Queue(ctx, r)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "queued %s to %s (%s); ticketd run sends it\n",
			terminal.EscapeLine(out.MessageID), terminal.EscapeLine(out.ToAddress), *name)
		return nil
	}
}

func defaultOperator() string {
	if v := os.Getenv("TICKETD_OPERATOR"); v != "" {
		return v
	}
	return os.Getenv("USER")
}

// printPreview shows a composed reply as its recipient will read it,
// escaped: it quotes the citizen's subject and name.
func printPreview(w io.Writer, out store.Outgoing) {
	line := terminal.EscapeLine
	l, err := mailparse.Parse(out.Raw, nil)
	if err != nil {
		fmt.Fprintf(w, "%s\n", terminal.Escape(string(out.Raw)))
		return
	}
	fmt.Fprintf(w, "From:        %s\nTo:          %s\nSubject:     %s\nIn-Reply-To: %s\n\n%s",
		line(out.FromAddress), line(out.ToAddress), line(l.Subject), line(strings.Join(l.InReplyTo, " ")), terminal.Escape(l.Text))
	if !strings.HasSuffix(l.Text, "\n") {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n(preview: nothing was queued; an HTML alternative of %d bytes goes with it)\n", len(l.HTML))
}
