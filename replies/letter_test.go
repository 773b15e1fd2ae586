package replies

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	gomessage "github.com/emersion/go-message/mail"

	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/store"
)

// letterWant is what checkLetter holds a composed letter to.
type letterWant struct {
	to            string // the one address To must hold, as written
	subjectPrefix string // what the decoded subject must begin with
	subjectHas    string // what it must contain, such as the ticket tag
	strict        bool   // every header line at most 78 characters, not only 998
	anyBody       bool   // do not compare the parts with d.Text and d.HTML
}

// checkLetter checks the invariants of a letter Compose wrote for d:
// CRLF line endings only, 7-bit, no line over 998 octets (header lines
// over 78 only when one word cannot be folded, or never when w.strict), exactly
// the header fields d calls for, each once, exactly one To address
// equal to w.to with a clean name, a subject that decodes to out.Subject
// in net/mail, go-message and mailparse, and a text (and HTML) part that
// decode to what d holds.
func checkLetter(t testing.TB, d Draft, out store.Outgoing, w letterWant) {
	t.Helper()
	raw := out.Raw
	for i, c := range raw {
		switch {
		case c == '\n' && (i == 0 || raw[i-1] != '\r'):
			t.Fatalf("bare LF at %d: %q", i, around(raw, i))
		case c == '\r' && (i+1 == len(raw) || raw[i+1] != '\n'):
			t.Fatalf("bare CR at %d: %q", i, around(raw, i))
		case c != '\r' && c != '\n' && c != '\t' && (c < ' ' || c > '~'):
			t.Fatalf("byte %#x at %d in a 7-bit letter: %q", c, i, around(raw, i))
		}
	}
	head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no blank line after the header:\n%.2000s", raw)
	}
	var names []string
	for i, line := range strings.Split(string(head), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("header line %d is %d octets: %.100q…", i, len(line), line)
		}
		if len(line) > lineMax && (w.strict || strings.Contains(strings.TrimLeft(line, " "), " ")) {
			t.Errorf("header line %d is %d characters and could be folded: %q", i, len(line), line)
		}
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		name, _, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("header line %d is not a field: %q", i, line)
		}
		names = append(names, name)
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			t.Fatalf("line %d is %d octets: %.100q…", i, len(line), line)
		}
		// Quoted-printable and base64 keep body lines to 76 (RFC 2045
		// sections 6.7 and 6.8); boundaries and part headers are go-mail's.
		if i > bytes.Count(head, []byte("\r\n"))+1 && len(line) > 76 &&
			!bytes.HasPrefix(line, []byte("--")) && !bytes.HasPrefix(line, []byte("Content-")) {
			t.Errorf("body line %d is %d octets: %q", i, len(line), line)
		}
	}
	if want := wantFields(d); !slices.Equal(sorted(names), want) {
		t.Errorf("header fields = %q, want %q", sorted(names), want)
	}

	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail.ReadMessage: %v", err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != w.to {
		t.Fatalf("net/mail: To = %v, %v; want exactly <%s>\n%s", to, err, w.to, head)
	}
	checkName(t, "To", to[0].Name)
	if subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || subject != out.Subject {
		t.Errorf("net/mail: Subject = %q, %v; want %q", subject, err, out.Subject)
	}

	mr, err := gomessage.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message: CreateReader: %v", err)
	}
	gto, err := mr.Header.AddressList("To")
	if err != nil || len(gto) != 1 || gto[0].Address != w.to || gto[0].Name != to[0].Name {
		t.Errorf("go-message: To = %v, %v; want exactly %q <%s>", gto, err, to[0].Name, w.to)
	}
	subject, err := mr.Header.Subject()
	if err != nil || subject != out.Subject {
		t.Errorf("go-message: Subject = %q, %v; want %q", subject, err, out.Subject)
	}
	if !strings.HasPrefix(subject, w.subjectPrefix) || !strings.Contains(subject, w.subjectHas) {
		t.Errorf("Subject = %.200q, want it to begin %q and hold %q", subject, w.subjectPrefix, w.subjectHas)
	}
	if strings.ContainsFunc(subject, func(r rune) bool { return r < ' ' || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 }) {
		t.Errorf("Subject %q holds a control character or line separator", subject)
	}
	parts := map[string]string{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("go-message: NextPart: %v", err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		body, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatalf("go-message: read %s: %v", ct, err)
		}
		parts[ct] = string(body)
	}
	if _, ok := parts["text/html"]; ok != (d.HTML != "") {
		t.Errorf("HTML part present: %v, want %v", ok, d.HTML != "")
	}
	if w.anyBody {
		parts = map[string]string{"text/plain": d.Text, "text/html": d.HTML}
	}
	if got, want := newlines(parts["text/plain"]), newlines(strings.ToValidUTF8(d.Text, "\uFFFD")); got != want {
		t.Errorf("text part = %.200q, want %.200q", got, want)
	}
	if got, want := newlines(parts["text/html"]), newlines(strings.ToValidUTF8(d.HTML, "\uFFFD")); got != want {
		t.Errorf("HTML part = %.200q, want %.200q", got, want)
	}

	l, err := mailparse.Parse(raw, nil)
	if err != nil {
		t.Fatalf("mailparse.Parse: %v", err)
	}
	if l.Subject != out.Subject || len(l.To) != 1 || l.To[0].Address != w.to {
		t.Errorf("mailparse: Subject %q, To %q; want %q, <%s>", l.Subject, l.To, out.Subject, w.to)
	}
}

// checkName checks a display name as read back from a letter.
func checkName(t testing.TB, field, name string) {
	t.Helper()
	bad := func(r rune) bool {
		return r < ' ' || r == 0x7f || 0x80 <= r && r <= 0x9f || r == 0x2028 || r == 0x2029 ||
			0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069
	}
	switch {
	case strings.ContainsFunc(name, bad):
		t.Errorf("%s name %q holds a control character", field, name)
	case strings.Contains(name, "@"):
		t.Errorf("%s name %q holds an @", field, name)
	case utf8.RuneCountInString(name) > MaxNameRunes:
		t.Errorf("%s name %q is longer than %d runes", field, name, MaxNameRunes)
	case name != strings.Join(strings.Fields(name), " "):
		t.Errorf("%s name %q is not one line with single spaces", field, name)
	}
}

// wantFields lists the header fields a letter for d has, sorted.
func wantFields(d Draft) []string {
	f := []string{"Content-Type", "Date", "From", "MIME-Version", "Message-ID", "Reply-To", "Subject", "To",
		"User-Agent", "X-Mailer", "X-Ticketd-Template"}
	if d.HTML == "" {
		f = append(f, "Content-Transfer-Encoding")
	}
	if writableID(d.InReplyTo) != "" {
		f = append(f, "In-Reply-To")
	}
	if references(d.References, writableID(d.InReplyTo)) != "" {
		f = append(f, "References")
	}
	if d.Auto || d.Generated {
		f = append(f, "Auto-Submitted", "X-Auto-Response-Suppress")
	}
	return sorted(f)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// newlines writes every line break as LF.
func newlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

func around(b []byte, i int) []byte {
	return b[max(0, i-40):min(len(b), i+40)]
}
