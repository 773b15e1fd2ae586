package labelled

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"strings"

	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/triage"
)

// keys are the header lines of a letter in a .letters file, in order.
var keys = []string{"priority", "reason", "category", "language", "format", "account", "application", "name", "subject"}

// Parse reads the letters of one .letters file; file names it in errors.
func Parse(file string, data []byte) ([]Letter, error) {
	var out []Letter
	var cur *rawLetter
	line := 0
	finish := func() error {
		if cur == nil {
			return nil
		}
		l, err := cur.letter()
		if err != nil {
			return fmt.Errorf("labelled: %s:%d: letter %s: %w", file, cur.line, cur.id, err)
		}
		out = append(out, l)
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if id, ok := strings.CutPrefix(text, "=== "); ok {
			if err := finish(); err != nil {
				return nil, err
			}
			cur = &rawLetter{id: strings.TrimSpace(id), line: line, fields: map[string]string{}}
			continue
		}
		if cur == nil {
			if strings.TrimSpace(text) != "" {
				return nil, fmt.Errorf("labelled: %s:%d: text before the first \"=== \" line", file, line)
			}
			continue
		}
		if err := cur.add(text); err != nil {
			return nil, fmt.Errorf("labelled: %s:%d: %w", file, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("labelled: %s: %w", file, err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return out, nil
}

// rawLetter is a letter of a .letters file as it is being read.
type rawLetter struct {
	id     string
	line   int
	fields map[string]string
	next   int // index in keys of the next header line
	body   []string
	inBody bool
}

// add takes one line of the letter.
func (r *rawLetter) add(text string) error {
	if r.inBody {
		r.body = append(r.body, text)
		return nil
	}
	if text == "--" {
		if r.next != len(keys) {
			return fmt.Errorf("header ends before %q", keys[r.next])
		}
		r.inBody = true
		return nil
	}
	if r.next == len(keys) {
		return fmt.Errorf("want \"--\" after subject, got %q", text)
	}
	key, value, ok := strings.Cut(text, ":")
	if !ok || key != keys[r.next] {
		return fmt.Errorf("want %q, got %q", keys[r.next]+":", text)
	}
	r.fields[key] = strings.TrimSpace(value)
	r.next++
	return nil
}

// letter checks the labels and reads the body as the daemon would.
func (r *rawLetter) letter() (Letter, error) {
	if !r.inBody {
		return Letter{}, fmt.Errorf("no \"--\" line")
	}
	f := r.fields
	w := Want{
		Priority: triage.Priority(f["priority"]), PriorityReason: triage.Reason(f["reason"]),
		Category: triage.Category(f["category"]), Language: f["language"],
		AccountNumber: f["account"], ApplicationNumber: f["application"], FullName: f["name"],
	}
	if err := w.check(); err != nil {
		return Letter{}, err
	}
	body := strings.TrimRight(strings.Join(r.body, "\n"), "\n ") + "\n"
	var html bool
	switch f["format"] {
	case "text":
	case "html":
		html = true
	default:
		return Letter{}, fmt.Errorf("format %q: want text or html", f["format"])
	}
	subject, text := read(f["subject"], body, html)
	return Letter{Name: r.id, Subject: subject, Text: text, HTML: html, Want: w}, nil
}

// check refuses labels outside their sets.
func (w Want) check() error {
	switch {
	case w.Priority != triage.PriorityHigh && w.Priority != triage.PriorityNormal:
		return fmt.Errorf("priority %q: want high or normal", w.Priority)
	case w.Priority == triage.PriorityHigh && w.PriorityReason != triage.ReasonAccessLoss && w.PriorityReason != triage.ReasonDataLeak:
		return fmt.Errorf("reason %q: want access_loss or data_leak for a high letter", w.PriorityReason)
	case w.Priority == triage.PriorityNormal && w.PriorityReason != triage.ReasonNone:
		return fmt.Errorf("reason %q on a normal letter", w.PriorityReason)
	case w.Language != "ru" && w.Language != "en":
		return fmt.Errorf("language %q: want ru or en", w.Language)
	}
	switch w.Category {
	case triage.CategoryTechnicalError, triage.CategoryServiceQuestion, triage.CategoryRecommendation,
		triage.CategoryStatusRequest, triage.CategoryComplaint, triage.CategoryOther:
		return nil
	}
	return fmt.Errorf("category %q unknown", w.Category)
}

// read makes the letter a message and reads it with mailparse, as the
// daemon does, returning the subject and the words triage is given.
func read(subject, body string, html bool) (string, string) {
	kind := "text/plain"
	if html {
		kind = "text/html"
	}
	var b bytes.Buffer
	b.WriteString("From: citizen@example.org\r\nTo: support@example.gov\r\n")
	b.WriteString("Subject: " + mime.BEncoding.Encode("utf-8", subject) + "\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: " + kind + "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	l, _ := mailparse.Parse(b.Bytes(), nil) // never nil; a defect still leaves the text
	return l.Subject, l.OwnWords()
}
