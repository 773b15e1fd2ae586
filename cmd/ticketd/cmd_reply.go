package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/internal/terminal"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
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

// statusAfter is the status a ticket takes when an operator sends template.
func statusAfter(template string) store.Status {
	switch template {
	case "request_info":
		return store.StatusWaiting
	default:
		return store.StatusAnswered
	}
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
		if *operator == "" && !*preview {
			return usageError{"-operator is required (or set $TICKETD_OPERATOR)"}
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
		number := strings.ToUpper(args[0])
		out, err := composeReply(ctx, db, set, cfg, number, *name, vars, *operator)
		if err != nil {
			return err
		}
		if *preview {
			printPreview(e.stdout, out)
			return nil
		}
		if err := db.Queue(ctx, number, out, statusAfter(*name)); err != nil {
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

// composeReply renders template name for ticket number in the ticket's
// language and composes it as a reply continuing the ticket's thread.
func composeReply(ctx context.Context, db ticketReader, set *templates.Set, cfg Config, number, name string,
	vars map[string]string, operator string) (store.Outgoing, error) {
	t, err := db.Ticket(ctx, number)
	if err != nil {
		return store.Outgoing{}, err
	}
	msgs, err := db.Messages(ctx, t.ID)
	if err != nil {
		return store.Outgoing{}, err
	}
	last := lastInbound(msgs)
	data := templates.Data{
		Number: t.Number, Subject: t.Subject, CitizenName: t.CitizenName, AccountNumber: t.AccountNumber,
		ApplicationNumber: t.ApplicationNumber, Status: string(t.Status), Received: last.CreatedAt, Due: t.DueAt,
		Hours: int(t.DueAt.Sub(t.CreatedAt).Round(time.Hour).Hours()), Operator: operator, Vars: vars,
	}
	if err := describeFiles(ctx, db, t, msgs, &data); err != nil {
		return store.Outgoing{}, err
	}
	r, err := set.Render(name, t.Language, data)
	if err != nil {
		return store.Outgoing{}, err
	}
	from := cfg.SMTP.FromAddress
	to := mail.Address{Name: t.CitizenName, Address: t.CitizenAddress}
	if last.FromAddress != "" {
		to = mail.Address{Name: last.FromName, Address: last.FromAddress}
	}
	var refs []string
	for _, m := range msgs {
		if m.MessageID != "" {
			refs = append(refs, m.MessageID)
		}
	}
	if len(refs) > 0 && refs[len(refs)-1] == last.MessageID {
		refs = refs[:len(refs)-1]
	}
	out, err := replies.Compose(replies.Draft{
		From: from, To: to, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		InReplyTo: last.MessageID, References: refs, Template: name, Operator: operator,
	}, time.Now())
	return out, err
}

// describeFiles fills what the ticket lacks and the files of the citizen's
// letters that were refused, for request_info and attachments_rejected.
func describeFiles(ctx context.Context, db ticketReader, t store.Ticket, msgs []store.Message, data *templates.Data) error {
	files, err := db.AttachmentsOfTicket(ctx, t.ID)
	if err != nil {
		return err
	}
	accepted := false
	for _, m := range msgs {
		if m.Direction != store.DirectionIn {
			continue
		}
		for _, a := range files[m.ID] {
			switch a.Verdict {
			case store.VerdictAccepted:
				accepted = true
			case store.VerdictRejected:
				v := attachments.Verdict{Filename: a.Filename, OriginalName: a.OriginalName, DeclaredType: a.DeclaredType,
					DetectedType: a.DetectedType, Size: a.Size, Reason: attachments.Reason(a.Reason), Detail: a.Detail,
					Width: a.Width, Height: a.Height, Pages: a.Pages}
				data.Rejected = append(data.Rejected, templates.File{Name: a.Filename, Reason: v.Explain(t.Language)})
			}
		}
	}
	if t.AccountNumber == "" {
		data.Missing = append(data.Missing, "account_number")
	}
	if len([]rune(strings.TrimSpace(t.Description))) < 20 {
		data.Missing = append(data.Missing, "description")
	}
	if !accepted {
		data.Missing = append(data.Missing, "screenshot")
	}
	return nil
}

// lastInbound is the citizen's latest letter on the ticket.
func lastInbound(msgs []store.Message) store.Message {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Direction == store.DirectionIn && !msgs[i].Auto {
			return msgs[i]
		}
	}
	return store.Message{}
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
