package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ticketd/ticketd/daemon"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/triage"
)

// parsed is the JSON that "ticketd parse" prints. Field names are stable.
type parsed struct {
	MessageID         string                `json:"message_id"`
	From              mailparse.Address     `json:"from"`
	Reply             mailparse.Address     `json:"reply"`        // the address an answer goes to
	ReplyHeader       mailparse.ReplyHeader `json:"reply_header"` // where it was found: reply-to, from, from-encoded-word, …; "" for none
	Subject           string                `json:"subject"`
	Date              *string               `json:"date"`
	FullName          *string               `json:"full_name"`
	AccountNumber     *string               `json:"account_number"`
	ApplicationNumber *string               `json:"application_number"`
	Phone             *string               `json:"phone"`
	Category          triage.Category       `json:"category"`
	Priority          triage.Priority       `json:"priority"`
	PriorityReason    *string               `json:"priority_reason"`
	PriorityDecision  triage.Decision       `json:"priority_decision"` // the rule's phrase, or the model's score and features
	PersonalData      []triage.PersonalData `json:"personal_data"`
	Language          string                `json:"language"`
	AutoSubmitted     bool                  `json:"auto_submitted"`
	AutoKind          *string               `json:"auto_kind"`
	Text              string                `json:"text"`
	Description       string                `json:"description"`
	Attachments       []parsedAttachment    `json:"attachments"`
	Note              *string               `json:"note"`
}

type parsedAttachment struct {
	Filename     string  `json:"filename"`
	ContentType  string  `json:"content_type"`
	DetectedType string  `json:"detected_type"`
	Size         int64   `json:"size"`
	SHA256       string  `json:"sha256"`
	Accepted     bool    `json:"accepted"`
	Skipped      bool    `json:"skipped,omitempty"`
	Reason       *string `json:"reason"`
	Width        int     `json:"width,omitempty"`
	Height       int     `json:"height,omitempty"`
	Pages        int     `json:"pages,omitempty"`
}

func parseFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	rules := fs.String("rules", "", "rules `file` overriding the built-in extraction rules")
	model := fs.String("model", "", "priority model `file` (from \"ticketd triage learn -o\") instead of the built-in one")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 1, "one .eml file (or - for standard input)"); err != nil {
			return err
		}
		raw, err := readInput(args[0])
		if err != nil {
			return err
		}
		cfg := Defaults()
		cfg.Rules.File, cfg.Rules.Model = *rules, *model
		in, err := newIntake(cfg)
		if err != nil {
			return err
		}
		u := in.Understand(ctx, raw)
		p := describe(u)
		p.PriorityDecision = in.Explain(u.Letter)
		return writeJSON(e.stdout, p)
	}
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read letter: %w", err)
	}
	return b, nil
}

func describe(u daemon.Understanding) parsed {
	l, f := u.Letter, u.Fields
	p := parsed{
		MessageID: l.MessageID, From: l.From, Reply: l.Reply, ReplyHeader: l.ReplyHeader, Subject: l.Subject,
		FullName: orNull(f.FullName), AccountNumber: orNull(f.AccountNumber),
		ApplicationNumber: orNull(f.ApplicationNumber), Phone: orNull(f.Phone),
		Category: f.Category, Priority: f.Priority, PriorityReason: orNull(string(f.PriorityReason)),
		PersonalData: f.PersonalData, Language: f.Language,
		AutoSubmitted: l.AutoSubmitted(), AutoKind: orNull(string(l.Auto)),
		Text: l.Text, Description: l.Description, Note: orNull(u.Note),
		Attachments: []parsedAttachment{},
	}
	if p.PersonalData == nil {
		p.PersonalData = []triage.PersonalData{}
	}
	if !l.Date.IsZero() {
		s := l.Date.Format(time.RFC3339)
		p.Date = &s
	}
	for i, v := range u.Verdicts {
		a := parsedAttachment{
			Filename: v.Filename, ContentType: l.Parts[i].ContentType, DetectedType: v.DetectedType,
			Size: v.Size, SHA256: v.SHA256, Accepted: v.Accepted, Skipped: v.Skipped,
			Reason: orNull(string(v.Reason)), Width: v.Width, Height: v.Height, Pages: v.Pages,
		}
		p.Attachments = append(p.Attachments, a)
	}
	return p
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
