package replies

import (
	"errors"
	"html"
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// FuzzCompose checks Compose's contract on any name, address, subject and
// text: it never panics, fails only with ErrBadRecipient, and writes a
// letter that keeps every invariant checkLetter holds it to. Seeds: the
// hostile names, subjects and addresses of hostile_test.go.
func FuzzCompose(f *testing.F) {
	for _, n := range hostileNames {
		f.Add(n.in, "ivan@example.ru", "Вопрос", "Здравствуйте!\n")
	}
	for _, s := range []string{
		"Помогите\r\nBcc: victim@example.org", "a\u2028Bcc: x\u0085y\x00", "=?utf-8?q?a=0D=0ABcc:_x@y?=", b64word("a\r\nb"),
		strings.Repeat("x", 5000), strings.Repeat("Жалоба ", 500), "\u202Eпомощь",
	} {
		f.Add("Иван", "ivan@example.ru", s, "x")
	}
	for _, a := range []string{
		"john smith@example.ru", `a"b@example.ru`, "ivan@пример.рф", "иван@пример.рф", "a@@example.ru", "",
		"ivan@example.ru\r\nBcc: x@y", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + ".ru", "ivan@[192.0.2.1]",
	} {
		f.Add("Иван", a, "Вопрос", "x")
	}
	f.Add("Иван", "ivan@example.ru", "Вопрос", strings.Repeat("слово", 3000)+"\r\n\rx\n"+strings.Repeat("w", 3000))
	f.Fuzz(func(t *testing.T, name, address, subject, text string) {
		const tag = "[TKT-000001]"
		d := Draft{From: support, To: mail.Address{Name: name, Address: address}, Subject: tag + " " + subject, Text: text,
			InReplyTo: "b@example.ru", References: []string{"a@example.ru"}, Auto: true, Template: "ack"}
		if len(text)%2 == 1 {
			d.HTML = "<p>" + html.EscapeString(text) + "</p>"
		}
		out, err := Compose(d, at)
		if err != nil {
			if !errors.Is(err, ErrBadRecipient) {
				t.Fatalf("Compose(%q, %q) error %v is not ErrBadRecipient", name, address, err)
			}
			return
		}
		checkLetter(t, d, out, letterWant{to: asWritten(address), subjectPrefix: tag, subjectHas: tag})
		if n := utf8.RuneCountInString(out.Subject); n > MaxSubjectRunes {
			t.Fatalf("Subject is %d runes", n)
		}
	})
}

// asWritten is how address must stand in the To field: trimmed, its
// domain without a trailing dot and in A-labels.
func asWritten(address string) string {
	address = strings.TrimSpace(address)
	at := strings.LastIndexByte(address, '@')
	domain := strings.TrimSuffix(address[at+1:], ".")
	if strings.ContainsFunc(domain, func(r rune) bool { return r >= utf8.RuneSelf }) {
		domain, _ = idna.Lookup.ToASCII(domain)
	}
	return address[:at+1] + domain
}
