package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/store"
)

// What TestHostileLetters reads once the daemon is done: the store, seen
// as "ticketd show" would, and what Mailpit caught.

// storedLetter is an inbound letter in the store, with its ticket.
type storedLetter struct {
	msg    store.Message
	ticket store.Ticket
	// answers are the outbound letters queued right after this one on its
	// ticket, before the next inbound letter: the answers to it.
	answers []store.Message
	events  []store.Event // the ticket's
	files   []store.Attachment
	raw     []byte // the letter's bytes as stored
}

// outcome is the store and Mailpit after the battery.
type outcome struct {
	bySHA   map[string]*storedLetter // raw_sha256 of inbound letters
	byUID   map[uint32]*storedLetter // INBOX UID of inbound letters
	inbound []*storedLetter
	caught  map[string][]mailtest.Message // Mailpit's letters by Message-ID
	all     []mailtest.Message
}

func readOutcome(t *testing.T, s *servers) *outcome {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, s.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o := &outcome{bySHA: map[string]*storedLetter{}, byUID: map[uint32]*storedLetter{}, caught: map[string][]mailtest.Message{}}
	tickets, err := allTickets(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tickets {
		msgs, err := db.Messages(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		events, err := db.Events(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		atts, err := db.AttachmentsOfTicket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var cur *storedLetter
		for _, m := range msgs {
			if m.Direction == store.DirectionOut {
				if cur != nil {
					cur.answers = append(cur.answers, m)
				}
				continue
			}
			raw, err := db.Raw(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			cur = &storedLetter{msg: m, ticket: tk, events: events, files: atts[m.ID], raw: raw}
			o.inbound = append(o.inbound, cur)
			o.bySHA[m.RawSHA256] = cur
			if m.Mailbox == "INBOX" {
				o.byUID[m.UID] = cur
			}
		}
	}
	if o.all, err = s.mailpit.List(); err != nil {
		t.Fatal(err)
	}
	for _, m := range o.all {
		o.caught[m.MessageID] = append(o.caught[m.MessageID], m)
	}
	return o
}

// acks returns what Mailpit caught of the answers to sl, and the answers
// the store has not sent.
func (o *outcome) acks(sl *storedLetter) (caught []mailtest.Message, unsent []store.Message) {
	for _, a := range sl.answers {
		c := o.caught[a.MessageID]
		if a.SentAt.IsZero() && len(c) == 0 {
			unsent = append(unsent, a)
		}
		caught = append(caught, c...)
	}
	return caught, unsent
}

// event returns the detail of the first event of sl's ticket with one of
// actions, and whether there is one.
func (sl *storedLetter) event(actions ...string) (string, bool) {
	for _, e := range sl.events {
		for _, a := range actions {
			if e.Action == a {
				return e.Action + ": " + e.Detail, true
			}
		}
	}
	return "", false
}

func (sl *storedLetter) String() string {
	return fmt.Sprintf("%s (message %q from %q <%s>)", sl.ticket.Number, sl.msg.MessageID, sl.msg.FromName, sl.msg.FromAddress)
}

func sha256Of(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ackFields are the header fields an acknowledgement may carry, each once:
// what replies.Compose writes (From, To, Reply-To, Subject, Message-ID,
// Date, In-Reply-To, References, Auto-Submitted, X-Auto-Response-Suppress,
// X-Ticketd-Template, User-Agent and X-Mailer, the MIME fields), and the
// Return-Path and Received that Mailpit puts on top. A Bcc field in what
// Mailpit shows means a recipient beyond To and Cc.
var ackFields = map[string]bool{
	"Return-Path": true, "Received": true,
	"From": true, "To": true, "Reply-To": true, "Subject": true, "Message-Id": true, "Date": true,
	"In-Reply-To": true, "References": true, "Auto-Submitted": true, "X-Auto-Response-Suppress": true,
	"X-Ticketd-Template": true, "User-Agent": true, "X-Mailer": true,
	"Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true,
}

// ackRequired are the fields every acknowledgement has; one missing means
// the header ended early, as after an injected blank line.
var ackRequired = []string{"From", "To", "Subject", "Message-Id", "Date", "Mime-Version", "Content-Type",
	"Auto-Submitted", "X-Ticketd-Template"}

// lineBreakers are what must not survive in a decoded header value: what
// ends a line for some reader, and NUL.
const lineBreakers = "\r\n\x00\u0085\u2028\u2029"

// ackProblems checks the raw bytes of an acknowledgement as Mailpit caught
// them: CRLF line endings only, no line over 998 octets (RFC 5322 section
// 2.1.1), only the fields of ackFields and each once, and a Subject and a
// To that decode to one line and one address. It returns the problems and
// the unfolded header fields.
func ackProblems(raw []byte) ([]string, map[string][]string) {
	var problems []string
	if i := bareEOL(raw); i >= 0 {
		problems = append(problems, fmt.Sprintf("bare CR or LF at offset %d (line %d), want CRLF only",
			i, bytes.Count(raw[:i], []byte("\n"))+1))
	}
	long, longest, at := 0, 0, 0
	for n, line := range bytes.Split(raw, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 998 {
			long++
			if len(line) > longest {
				longest, at = len(line), n+1
			}
		}
	}
	if long > 0 {
		problems = append(problems, fmt.Sprintf("%d lines over 998 octets; the longest, line %d, has %d: %.80q…",
			long, at, longest, bytes.Split(raw, []byte("\n"))[at-1]))
	}
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		return append(problems, "no blank line ends the header"), nil
	}
	// Unfold (RFC 5322 section 2.2.3): a line that starts with white
	// space continues the field before it.
	type field struct {
		name  string
		lines []string
	}
	var unfolded []field
	for _, line := range strings.Split(string(raw[:end]), "\r\n") {
		if line != "" && (line[0] == ' ' || line[0] == '\t') && len(unfolded) > 0 {
			f := &unfolded[len(unfolded)-1]
			f.lines = append(f.lines, line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			problems = append(problems, fmt.Sprintf("header line that is not a field: %.120q", line))
			continue
		}
		unfolded = append(unfolded, field{textproto.CanonicalMIMEHeaderKey(name), []string{strings.TrimLeft(value, " \t")}})
	}
	fields := map[string][]string{}
	for _, f := range unfolded {
		fields[f.name] = append(fields[f.name], strings.Join(f.lines, ""))
	}
	for k, vs := range fields {
		if !ackFields[k] {
			problems = append(problems, fmt.Sprintf("field %s: %.120q is not one an acknowledgement carries (injected?)", k, vs[0]))
		} else if len(vs) > 1 {
			problems = append(problems, fmt.Sprintf("field %s appears %d times, want once", k, len(vs)))
		}
	}
	for _, k := range ackRequired {
		if len(fields[k]) == 0 {
			problems = append(problems, fmt.Sprintf("field %s missing: the header ended early (an injected blank line?)", k))
		}
	}
	dec := &mime.WordDecoder{}
	if vs := fields["Subject"]; len(vs) > 0 {
		subject, err := dec.DecodeHeader(vs[0])
		if err != nil {
			problems = append(problems, fmt.Sprintf("Subject does not decode: %v", err))
		} else if i := strings.IndexAny(subject, lineBreakers); i >= 0 {
			problems = append(problems, fmt.Sprintf("Subject decodes to a line break or NUL at %d: %.120q", i, subject))
		}
	}
	if vs := fields["To"]; len(vs) > 0 {
		p := mail.AddressParser{WordDecoder: dec}
		to, err := p.ParseList(vs[0])
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("To does not parse: %v: %.120q", err, vs[0]))
		case len(to) != 1:
			problems = append(problems, fmt.Sprintf("To names %d addresses, want 1: %.200q", len(to), vs[0]))
		case strings.ContainsAny(to[0].Name, lineBreakers):
			problems = append(problems, fmt.Sprintf("the name in To decodes to a line break or NUL: %.120q", to[0].Name))
		}
	}
	return problems, fields
}

// bareEOL returns the offset of the first CR not followed by LF or LF not
// preceded by CR, -1 if there is none.
func bareEOL(b []byte) int {
	for i, c := range b {
		switch {
		case c == '\r' && (i+1 == len(b) || b[i+1] != '\n'):
			return i
		case c == '\n' && (i == 0 || b[i-1] != '\r'):
			return i
		}
	}
	return -1
}

// sameMailbox reports whether two spellings of an address name the same
// mailbox: quotes around the local part and the case of ASCII letters do
// not count.
func sameMailbox(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), `"`, "")) }
	return norm(a) == norm(b)
}

// addressOfTo is the one address in an unfolded To field, "" if it does
// not parse to exactly one.
func addressOfTo(v string) string {
	p := mail.AddressParser{WordDecoder: &mime.WordDecoder{}}
	to, err := p.ParseList(v)
	if err != nil || len(to) != 1 {
		return ""
	}
	return to[0].Address
}

// firstDifference is the offset where a and b first differ.
func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
