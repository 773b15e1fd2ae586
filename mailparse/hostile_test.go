package mailparse

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// manyParts builds a multipart message with n empty text parts.
func manyParts(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.org\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "--b\r\nContent-Type: application/octet-stream\r\n\r\n%d\r\n", i)
	}
	b.WriteString("--b--\r\n")
	return b.Bytes()
}

// nested builds a message with multiparts nested depth deep.
func nested(depth int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.org\r\nSubject: deep\r\n")
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nthe bottom\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

// nestedHTMLForwards builds message/rfc822 forwards nested depth deep, each
// with an HTML body of n bytes.
func nestedHTMLForwards(depth, n int) []byte {
	var b bytes.Buffer
	html := strings.Repeat("<p>Пересылаю ещё раз.</p>", n/40)
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "From: a%d@example.org\r\nContent-Type: multipart/mixed; boundary=f%d\r\n\r\n", i, i)
		fmt.Fprintf(&b, "--f%d\r\nContent-Type: text/html; charset=utf-8\r\n\r\n%s\r\n", i, html)
		fmt.Fprintf(&b, "--f%d\r\nContent-Type: message/rfc822\r\n\r\n", i)
	}
	b.WriteString("From: bottom@example.org\r\n\r\nthe bottom\r\n")
	return b.Bytes()
}

// nestedMessages builds message/rfc822 forwards nested depth deep.
func nestedMessages(depth int) []byte {
	var b bytes.Buffer
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "From: a%d@example.org\r\nContent-Type: message/rfc822\r\n\r\n", i)
	}
	b.WriteString("From: bottom@example.org\r\n\r\nthe bottom\r\n")
	return b.Bytes()
}

func TestParseHostile(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want error
	}{
		{"10000 parts", manyParts(10000), ErrRefused},
		{"500 parts", manyParts(499), nil}, // 499 parts and the multipart itself
		{"nested 100 deep", nested(100), ErrRefused},
		{"forwards nested 100 deep", nestedMessages(100), ErrRefused},
		{"nested 19 deep", nested(19), nil},
		{"1 MB header", append([]byte("Subject: "+strings.Repeat("x", 1<<20)+"\r\n\r\n"), "body"...), ErrRefused},
		{"1 MB of header fields", append(bytes.Repeat([]byte("X-Junk: 0123456789abcdef\r\n"), 40000), "\r\nbody"...), ErrRefused},
		{"1 MB folded field", append([]byte("Subject: a\r\n"+strings.Repeat(" folded\r\n", 1<<17)+"\r\n"), "body"...), ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse(tt.raw, nil)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("Parse(%s) error = %v, want nil", tt.name, err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("Parse(%s) error = %v, want %v", tt.name, err, tt.want)
			case errors.Is(err, ErrRefused) && (l == nil || l.Text != "" || len(l.Parts) != 0):
				t.Fatalf("Parse(%s) = %+v with %v, want the header's fields alone", tt.name, l, err)
			}
		})
	}
}

// TestParseSlowInputs runs inputs built to make a careless parser take
// quadratic time or deep recursion. They are about 1 MB, where quadratic
// work would take hours: the deadline is loose for -race on a busy machine.
func TestParseSlowInputs(t *testing.T) {
	deepHTML := strings.Repeat("<div><b><i>", 30000) + "текст" + strings.Repeat("</i></b></div>", 30000)
	tests := []struct {
		name string
		raw  string
	}{
		{"unterminated encoded words", "Subject: " + strings.Repeat("=?a?q?xxxx", 20000) + "?=\r\n\r\nbody"},
		{"encoded words without charset end", "Subject: " + strings.Repeat("=?", 100000) + "\r\n\r\nbody"},
		{"many broken addresses", "To: " + strings.Repeat("<a, \"b, (c ", 20000) + "\r\n\r\nbody"},
		{"deep HTML", "Content-Type: text/html\r\n\r\n" + deepHTML},
		{"big HTML", "Content-Type: text/html\r\n\r\n" + strings.Repeat("<p>Строка <a href='http://x.example/'>ссылка</a></p>\n", 15000)},
		{"many attributions", "Content-Type: text/plain\r\n\r\n" + strings.Repeat("Иван пишет:\n\n\n", 100000)},
		{"many header blocks", "Content-Type: text/plain\r\n\r\n" + strings.Repeat("From: a\nTo: b\n", 100000)},
		{"flowed soft lines", "Content-Type: text/plain; format=flowed\r\n\r\n" + strings.Repeat("> слово \n", 200000)},
		{"nested HTML forwards", string(nestedHTMLForwards(9, 100<<10))},
		{"dashes", "Content-Type: multipart/mixed; boundary=-\r\n\r\n" + strings.Repeat("-", 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ok := parseGuarded([]byte(tt.raw), 30*time.Second)
			switch {
			case !ok:
				t.Fatalf("Parse(%s) did not return within 30s", tt.name)
			case res.panic != nil:
				t.Fatalf("Parse(%s) panicked: %v", tt.name, res.panic)
			case errors.Is(res.err, errInternal):
				t.Fatalf("Parse(%s) = %v", tt.name, res.err)
			}
		})
	}
}

func TestParseNoHeaderBlob(t *testing.T) {
	blob := bytes.Repeat([]byte("\xcf\xf0\xe8\xe2\xe5\xf2 \x00\xff binary junk without a header\n"), 50<<20/40)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	l, err := Parse(blob, nil)
	elapsed := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	if !errors.Is(err, ErrNoHeader) || l == nil {
		t.Fatalf("Parse(50 MB blob) = %v, %v; want a letter and ErrNoHeader", l != nil, err)
	}
	if max := DefaultLimits().MaxTextBytes; len(l.Text) > max {
		t.Errorf("Parse(50 MB blob): len(Text) = %d, want <= %d", len(l.Text), max)
	}
	if !strings.HasPrefix(l.Text, "Привет") {
		t.Errorf("Parse(50 MB blob).Text starts %.20q, want cp1251 decoded", l.Text)
	}
	// Allocation bounded by the text limit, not the input size.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("Parse(50 MB blob) allocated %d MB, want < 64 MB", alloc>>20)
	}
	if elapsed > 30*time.Second {
		t.Errorf("Parse(50 MB blob) took %v", elapsed)
	}
}

func TestParseLimits(t *testing.T) {
	text := strings.Repeat("Строка текста обращения.\n", 1000)
	raw := []byte("From: a@example.org\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text)
	l, err := Parse(raw, &Limits{MaxTextBytes: 1000})
	if !errors.Is(err, ErrDamaged) {
		t.Errorf("Parse(long text, MaxTextBytes 1000) error = %v, want ErrDamaged", err)
	}
	if l == nil || len(l.Text) > 1000 || !strings.HasPrefix(text, l.Text) {
		t.Fatalf("Parse(long text, MaxTextBytes 1000) = %+v, want a 1000-byte prefix", l)
	}
	if _, err := Parse(manyParts(10), &Limits{MaxParts: 5}); !errors.Is(err, ErrRefused) {
		t.Errorf("Parse(10 parts, MaxParts 5) error = %v, want ErrRefused", err)
	}
	if _, err := Parse(nested(3), &Limits{MaxDepth: 2}); !errors.Is(err, ErrRefused) {
		t.Errorf("Parse(nested 3, MaxDepth 2) error = %v, want ErrRefused", err)
	}
	if got := (*Limits)(nil).orDefaults(); got != DefaultLimits() {
		t.Errorf("nil Limits = %+v, want %+v", got, DefaultLimits())
	}
}

func TestParseTextLikeHeader(t *testing.T) {
	raw := []byte("Re: квитанция за март\nЗдравствуйте, сумма неверна.\n")
	l, err := Parse(raw, nil)
	if !errors.Is(err, ErrNoHeader) || l == nil || l.Text != string(raw) {
		t.Errorf("Parse(%q) = %+v, %v; want all of it as text and ErrNoHeader", raw, l, err)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, raw := range [][]byte{nil, {}, []byte("\r\n"), []byte("\r\n\r\nbody only\r\n")} {
		l, err := Parse(raw, nil)
		if l == nil {
			t.Errorf("Parse(%q) = nil, %v; want a letter", raw, err)
		}
	}
}

// TestRefusedKeepsTheHeader checks that a refused letter still says who
// sent it and whether it is automatic mail, so it is filed and an
// auto-reply is never answered.
func TestRefusedKeepsTheHeader(t *testing.T) {
	head := "From: Отпуск <ivan@example.ru>\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n" +
		"Message-ID: <auto@example.ru>\r\n"
	tests := []struct {
		name string
		raw  []byte
	}{
		{"too many parts", append([]byte(head), manyParts(10000)...)},
		{"header too long", []byte(head + "X-Junk: " + strings.Repeat("x", 1<<20) + "\r\n\r\nbody\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse(tt.raw, nil)
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("Parse error = %v, want ErrRefused", err)
			}
			if l.From.Address != "ivan@example.ru" || l.MessageID != "auto@example.ru" || l.Auto != AutoReply {
				t.Errorf("Parse = from %q, id %q, auto %q; want the header's sender, id and auto-replied",
					l.From.Address, l.MessageID, l.Auto)
			}
		})
	}
}
