package daemon

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/triage"
)

// Intake reads one letter: parses it, checks its files and extracts the
// ticket's fields. It is pure apart from the time budget of the checks.
type Intake struct {
	Rules  *triage.Rules
	Policy attachments.Policy
	Limits mailparse.Limits
}

// Understanding is what ticketd makes of one letter.
type Understanding struct {
	Letter   *mailparse.Letter // never nil
	Fields   triage.Fields
	Verdicts []attachments.Verdict // one per Letter.Parts, same order
	Note     string                // why the letter was not fully understood; "" when it was
	// Fingerprint is the identity of the letter's content
	// (mailparse.Fingerprint), which tells a second delivery of it from
	// another letter under the same Message-ID.
	Fingerprint string
	// Status is what the register of applications said about the
	// application the letter asks the status of; nil when it was not
	// asked (Daemon.lookUpStatus). Intake leaves it nil.
	Status *StatusLookup
	// Kept, for a letter read by UnderstandAt, is what was stored of each
	// file besides its bytes, one per Verdicts; nil from Understand,
	// whose files are in Letter.Parts.
	Kept []KeptFile
	// Err, from UnderstandAt, is why the letter could not be read or its
	// files stored: it must be read again later. nil from Understand.
	Err error
}

// Understand reads raw. It never fails: a letter that cannot be parsed still
// yields a Letter with what could be read, and the reason in Note.
func (in *Intake) Understand(ctx context.Context, raw []byte) (u Understanding) {
	var fp string // "": the store takes the SHA-256 of the bytes
	defer func() {
		if r := recover(); r != nil {
			u = in.fallback(raw, r)
		}
		u.Fingerprint = fp
	}()
	fp = mailparse.Fingerprint(raw)
	lim := in.Limits
	l, err := mailparse.Parse(raw, &lim) // never nil, even when refused
	in.read(&u, l, err)
	u.Verdicts = attachments.CheckAll(ctx, l.Parts, in.Policy)
	return u
}

// read fills u with what letter l, parsed with err, says: the letter, why
// it was not fully understood, and the ticket's fields.
func (in *Intake) read(u *Understanding, l *mailparse.Letter, err error) {
	if err != nil {
		u.Note = err.Error()
	}
	u.Letter = l
	u.Fields = in.rulesFor(l).Extract(l.Subject, l.OwnWords())
	if u.Fields.FullName == "" && l.Signature != "" {
		u.Fields.FullName = in.Rules.FullNameFromSignature(l.Signature)
	}
}

// fallback is the Understanding of a letter whose reading panicked with
// r: what fallbackLetter reads of its first bytes, and the panic in Note.
func (in *Intake) fallback(first []byte, r any) Understanding {
	u := Understanding{Letter: fallbackLetter(first),
		Note: fmt.Sprintf("internal error while reading the letter: %v\n%s", r, debug.Stack())}
	u.Fields = in.Rules.Extract(u.Letter.Subject, u.Letter.Text)
	return u
}

// fallbackLetter reads what it can of a letter whose reading failed with an
// internal error (a panic recovered in Understand): the header fields, and
// the first bytes as text so an operator can read them.
func fallbackLetter(raw []byte) *mailparse.Letter {
	const excerpt = 64 << 10
	l := &mailparse.Letter{}
	if m, err := mail.ReadMessage(bufio.NewReader(io.LimitReader(bytes.NewReader(raw), 1<<20))); err == nil {
		dec := &mime.WordDecoder{}
		h := func(k string) string {
			v := m.Header.Get(k)
			if d, err := dec.DecodeHeader(v); err == nil {
				return d
			}
			return v
		}
		l.Subject = h("Subject")
		l.MessageID = strings.Trim(strings.TrimSpace(m.Header.Get("Message-Id")), "<>")
		if a, err := mail.ParseAddress(m.Header.Get("From")); err == nil {
			l.From = mailparse.Address{Name: a.Name, Address: a.Address}
		}
		if d, err := m.Header.Date(); err == nil {
			l.Date = d
		}
	}
	b := raw
	if len(b) > excerpt {
		b = b[:excerpt]
	}
	l.Text = strings.ToValidUTF8(string(b), string(utf8.RuneError))
	return l
}

// Explain is how the priority of l was decided, as Understand decides it.
func (in *Intake) Explain(l *mailparse.Letter) triage.Decision {
	return in.rulesFor(l).Explain(l.Subject, l.OwnWords())
}

// rulesFor returns the rules that read l: automatic mail (bounces,
// auto-replies, lists) is read by the rules alone, without the priority
// model, which learnt from citizens' letters and reads a delivery report's
// "could not be delivered, access denied" as a citizen locked out.
func (in *Intake) rulesFor(l *mailparse.Letter) *triage.Rules {
	if l.AutoSubmitted() {
		return in.Rules.WithModel(nil)
	}
	return in.Rules
}
