package replies

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
)

var (
	support = mail.Address{Name: "Служба поддержки", Address: "support@example.gov"}
	at      = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
)

// b64word is an RFC 2047 word that decodes to s.
func b64word(s string) string {
	return "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}

// hostileNames are display names that broke composing or could add a
// header or a recipient, with the name the letter must show ("" for the
// bare address).
var hostileNames = []struct{ name, in, want string }{
	{"CRLF Bcc with an address", "Иван\r\nBcc: victim@example.org", ""},
	{"CRLF header", "Иван\r\nX-Evil: 1", "Иван X-Evil: 1"},
	{"LF", "Ivan\nBcc: x", "Ivan Bcc: x"},
	{"bare CR", "Ivan\rBcc: x", "Ivan Bcc: x"},
	{"CRLF CRLF", "Ivan\r\n\r\nbody", "Ivan body"},
	{"U+2028", "Ivan\u2028Bcc: x", "Ivan Bcc: x"},
	{"U+0085", "Ivan\u0085Bcc: x", "Ivan Bcc: x"},
	{"NUL", "Ivan\x00Petrov", "Ivan Petrov"},
	{"C1 control", "Ivan\u009b31mPetrov", "Ivan 31mPetrov"},
	{"only line breaks", "\r\n\u2028\u0085", ""},
	{"only spaces", "   \t ", ""},
	{"encoded word of CR LF", "=?utf-8?q?Ivan=0D=0ABcc:_x?=", ""},
	{"encoded word of U+2028", b64word("Ivan\u2028Bcc: x"), ""},
	{"encoded word of NUL", b64word("Ivan\x00"), ""},
	{"unclosed quote", `Магазин "Ромашка`, `Магазин "Ромашка`},
	{"backslash before the quote", `Ivanov \`, `Ivanov \`},
	{"quotes", `"Ivanov \"`, `"Ivanov \"`},
	{"specials", `a, b; c: <d> (e) [f]`, `a, b; c: <d> (e) [f]`},
	{"address", "evil@attacker.example", ""},
	{"two addresses", "a@x.ru, b@y.ru", ""},
	{"RTL override", "\u202EИван\u202C Петров", "Иван Петров"},
	{"isolates", "\u2067Ivan\u2069", "Ivan"},
	{"HTML", "<script>alert(1)</script>", "<script>alert(1)</script>"},
	{"long", strings.Repeat("Иван Петров ", 100), strings.Repeat("Иван Петров ", 5) + "Ива…"},
	{"long word", strings.Repeat("x", 10000), strings.Repeat("x", MaxNameRunes-1) + "…"},
	{"long word of quotes", strings.Repeat(`"`, 1000), strings.Repeat(`"`, MaxNameRunes-1) + "…"},
	{"invalid UTF-8", "Iv\xffan", "Iv\uFFFDan"},
}

func TestComposeHostileNames(t *testing.T) {
	for _, tt := range hostileNames {
		t.Run(tt.name, func(t *testing.T) {
			d := Draft{From: support, To: mail.Address{Name: tt.in, Address: "ivan@example.ru"},
				Subject: "[TKT-000001] Вопрос", Text: "Здравствуйте!\n", Auto: true, Template: "ack"}
			out, err := Compose(d, at)
			if err != nil {
				t.Fatalf("Compose(name %q) error: %v", tt.in, err)
			}
			checkLetter(t, d, out, letterWant{to: "ivan@example.ru", subjectPrefix: "[TKT-000001] Вопрос", strict: true})
			to, _ := mail.ParseAddress(headerField(t, out.Raw, "To"))
			if to == nil || to.Name != tt.want {
				t.Errorf("Compose(name %q): To = %v, want name %q", tt.in, to, tt.want)
			}
		})
	}
}

// headerField returns the unfolded value of the first field called name.
func headerField(t testing.TB, raw []byte, name string) string {
	t.Helper()
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	head = strings.ReplaceAll(head, "\r\n ", " ")
	for _, line := range strings.Split(head, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			return v
		}
	}
	t.Fatalf("no %s field in\n%s", name, head)
	return ""
}

func TestComposeHostileSubjects(t *testing.T) {
	const tag = "[TKT-000001]"
	tests := []struct{ name, in, want string }{
		{"CRLF Bcc", tag + " Помогите\r\nBcc: victim@example.org", tag + " Помогите Bcc: victim@example.org"},
		{"CRLF CRLF", tag + " a\r\n\r\nbody", tag + " a body"},
		{"bare CR", tag + " Вопрос\rX-Evil: 1", tag + " Вопрос X-Evil: 1"},
		{"U+2028 and U+0085", tag + " a\u2028Bcc: x\u0085y", tag + " a Bcc: x y"},
		{"NUL", tag + " a\x00b", tag + " a b"},
		{"literal encoded word", tag + " =?utf-8?q?a=0D=0ABcc:_x@y?=", tag + " =?utf-8?q?a=0D=0ABcc:_x@y?="},
		{"literal encoded word of U+2028", tag + " " + b64word("a\u2028b"), tag + " " + b64word("a\u2028b")},
		{"RTL override", tag + " \u202Eпомощь", tag + " помощь"},
		{"ASCII", tag + " Cannot log in", tag + " Cannot log in"},
		{"ASCII word of 69", tag + " " + strings.Repeat("w", 69), tag + " " + strings.Repeat("w", 69)},
		{"ASCII word of 70", tag + " " + strings.Repeat("w", 70), tag + " " + strings.Repeat("w", 70)},
		{"ASCII word of 300", tag + " " + strings.Repeat("w", 300), tag + " " + strings.Repeat("w", 300)},
		{"ASCII words of 69 and 300", strings.Repeat("w", 69) + " " + strings.Repeat("w", 300) + " " + tag, strings.Repeat("w", 69) + " " + strings.Repeat("w", 300) + " " + tag},
		{"1 MB word", tag + " " + strings.Repeat("x", 1<<20), tag + " " + strings.Repeat("x", MaxSubjectRunes-len(tag)-2) + "…"},
		{"1 MB Cyrillic", tag + " " + strings.Repeat("Жалоба ", 150000), string([]rune(tag + " " + strings.Repeat("Жалоба ", 60))[:MaxSubjectRunes-1]) + "…"},
		{"HTML", tag + " <script>alert(1)</script>", tag + " <script>alert(1)</script>"},
		{"tabs and spaces", "  " + tag + "\t\tВопрос  ", tag + " Вопрос"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Draft{From: support, To: mail.Address{Name: "Иван", Address: "ivan@example.ru"},
				Subject: tt.in, Text: "x", Template: "ack"}
			out, err := Compose(d, at)
			if err != nil {
				t.Fatal(err)
			}
			if out.Subject != tt.want {
				t.Errorf("Compose(subject %.60q).Subject = %.100q, want %.100q", tt.in, out.Subject, tt.want)
			}
			checkLetter(t, d, out, letterWant{to: "ivan@example.ru", subjectHas: tag, strict: true})
		})
	}
}

func TestComposeRecipients(t *testing.T) {
	tests := []struct{ in, to, path string }{
		{"ivan@example.ru", "ivan@example.ru", "ivan@example.ru"},
		{" ivan@example.ru ", "ivan@example.ru", "ivan@example.ru"},
		{"ivan@example.ru.", "ivan@example.ru", "ivan@example.ru"},
		{"john smith@example.ru", "john smith@example.ru", `"john smith"@example.ru`},
		{`a"b@example.ru`, `a"b@example.ru`, `"a\"b"@example.ru`},
		{"ivan..petrov@example.ru", "ivan..petrov@example.ru", `"ivan..petrov"@example.ru`},
		{"ivan@пример.рф", "ivan@xn--e1afmkfd.xn--p1ai", "ivan@xn--e1afmkfd.xn--p1ai"},
		{"ivan@ПРИМЕР.РФ", "ivan@xn--e1afmkfd.xn--p1ai", "ivan@xn--e1afmkfd.xn--p1ai"},
		{"ivan@[192.0.2.1]", "ivan@[192.0.2.1]", "ivan@[192.0.2.1]"},
		{strings.Repeat("a", 64) + "@example.ru", strings.Repeat("a", 64) + "@example.ru", strings.Repeat("a", 64) + "@example.ru"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d := Draft{From: support, To: mail.Address{Name: "Иван", Address: tt.in}, Subject: "[TKT-000001] Вопрос", Text: "x", Template: "ack"}
			out, err := Compose(d, at)
			if err != nil {
				t.Fatalf("Compose(to %q) error: %v", tt.in, err)
			}
			if out.EnvelopeTo != tt.path || out.ToAddress != tt.in {
				t.Errorf("Compose(to %q): EnvelopeTo %q, ToAddress %q; want %q, %q", tt.in, out.EnvelopeTo, out.ToAddress, tt.path, tt.in)
			}
			checkLetter(t, d, out, letterWant{to: tt.to, subjectPrefix: "[TKT-000001]", strict: true})
		})
	}
}

func TestComposeBadRecipient(t *testing.T) {
	for _, addr := range []string{
		"", "   ", "ivan", "@example.ru", "ivan@", "иван@пример.рф", "ivаn@example.ru", // Cyrillic а
		"a@@example.ru", "a@b@example.ru", "victim@example.ru@evil.example",
		"ivan@exa mple.ru", "ivan@example..ru", "ivan@.example.ru", "ivan@-example.ru", "ivan@exam<ple.ru",
		"iv\r\nan@example.ru", "ivan@example.ru\r\nBcc: x@y", "ivan\x00@example.ru", "ivan@exa\u2028mple.ru",
		strings.Repeat("a", 65) + "@example.ru", "ivan@" + strings.Repeat("a", 64) + ".ru",
		"ivan@" + strings.Repeat("abcdefgh.", 30) + "ru", "ivan@[999.1.1.1]", "ivan@[2001:db8::1]", "ivan@[IPv6:2001:db8::1]", "ivan@[192.0.2.1",
		"\xff@example.ru", "ivan@пример\u2028.рф",
	} {
		t.Run(addr, func(t *testing.T) {
			_, err := Compose(Draft{From: support, To: mail.Address{Name: "Иван", Address: addr}, Subject: "s", Text: "x", Template: "ack"}, at)
			var re *RecipientError
			if !errors.Is(err, ErrBadRecipient) || !errors.As(err, &re) || re.Address != addr {
				t.Fatalf("Compose(to %q) error = %v, want a *RecipientError for it", addr, err)
			}
			if prefix := fmt.Sprintf("replies: compose ack: recipient %q cannot be written: ", addr); !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("Compose(to %q) error = %q, want it to begin %q", addr, err, prefix)
			}
		})
	}
}

func TestComposeReferencesStaySane(t *testing.T) {
	long := func(i int, n int) string { return strings.Repeat(string(rune('a'+i%26)), n) + "@example.ru" }
	var refs []string
	for i := range 30 {
		refs = append(refs, long(i, 238)) // 250 characters
	}
	refs = append(refs, long(1, 1000), "with space@x", "ид@пример.рф", "a<b@x", "")
	d := Draft{From: support, To: mail.Address{Address: "ivan@example.ru"}, Subject: "s", Text: "x",
		InReplyTo: long(2, 238), References: refs, Template: "ack"}
	out, err := Compose(d, at)
	if err != nil {
		t.Fatal(err)
	}
	checkLetter(t, d, out, letterWant{to: "ivan@example.ru"})
	ids := strings.Fields(headerField(t, out.Raw, "References"))
	if len(ids) != 20 || ids[0] != "<"+refs[0]+">" || ids[19] != "<"+d.InReplyTo+">" {
		t.Errorf("References holds %d ids, %.20q … %.20q; want 20, the first and the parent last", len(ids), ids[0], ids[len(ids)-1])
	}
	d.InReplyTo = long(3, 1000)
	if out, err = Compose(d, at); err != nil {
		t.Fatal(err)
	}
	checkLetter(t, d, out, letterWant{to: "ivan@example.ru"})
	if strings.Contains(string(out.Raw), "In-Reply-To:") {
		t.Error("Compose wrote an In-Reply-To of 1000 characters")
	}
}

// TestComposeLongBodyLines sends words of 10,000 characters in the text and
// the HTML, in quoted-printable and base64: no body line may pass 76.
func TestComposeLongBodyLines(t *testing.T) {
	for _, word := range []string{strings.Repeat("x", 10000), strings.Repeat("ж", 10000)} {
		d := Draft{From: support, To: mail.Address{Address: "ivan@example.ru"}, Subject: "s",
			Text: "a\n" + word + "\r\nb\rc  \n", HTML: "<p>" + word + "</p>\n", Template: "ack"}
		out, err := Compose(d, at)
		if err != nil {
			t.Fatal(err)
		}
		checkLetter(t, d, out, letterWant{to: "ivan@example.ru", strict: true})
	}
}

// hostileData is a ticket whose every value from a letter is hostile.
func hostileData(lang string) templates.Data {
	return templates.Data{
		Number: "TKT-000123",
		Subject: "{{.Number}} <script>alert(1)</script>\r\nBcc: victim@example.org\u2028\u0085\x00 " +
			b64word("a\r\nBcc: x@y") + " \u202Eтема " + strings.Repeat("Ж", 1<<20),
		CitizenName:       "Иван\r\nBcc: x@y\u2028\u0085\x00<b>Петров</b>",
		AccountNumber:     strings.Repeat("9", 10000),
		ApplicationNumber: "\u202E77-1254",
		Status:            "in_progress",
		Received:          at, Due: at.Add(72 * time.Hour), Hours: 72,
		Missing:  []string{"account_number", "description", "screenshot"},
		Accepted: 2,
		Rejected: []templates.File{
			{Name: "<img src=x onerror=alert(1)>.png", Reason: "Файл «<img src=x onerror=alert(1)>.png» пуст"},
			{Name: strings.Repeat("скан", 2500) + ".pdf\r\nBcc: x", Reason: "плохой файл"},
		},
		Size: Megabytes(33030144, lang), Limit: Megabytes(30<<20, lang),
	}
}

// TestComposeEveryTemplate renders every template of the catalog in every
// language with hostile values and checks the letter Compose makes of it.
func TestComposeEveryTemplate(t *testing.T) {
	set, err := templates.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tpl := range set.Catalog() {
		for _, lang := range tpl.Languages {
			name := hostileNames[n%len(hostileNames)]
			n++
			t.Run(lang+"/"+tpl.Name, func(t *testing.T) {
				data := hostileData(lang)
				data.Vars = map[string]string{}
				for _, v := range tpl.Variables {
					data.Vars[v.Name] = "<b>" + strings.Repeat("ы", 10000) + "</b>\r\n\u2028line"
					if len(v.Values) > 0 {
						data.Vars[v.Name] = v.Values[0]
					}
				}
				placeholder := data
				placeholder.Subject = "QQQ"
				p, err := set.Render(tpl.Name, lang, placeholder)
				if err != nil {
					t.Fatalf("Render(%s, %s) error: %v", tpl.Name, lang, err)
				}
				prefix, _, _ := strings.Cut(p.Subject, "QQQ")
				r, err := set.Render(tpl.Name, lang, data)
				if err != nil {
					t.Fatalf("Render(%s, %s) error: %v", tpl.Name, lang, err)
				}
				d := Draft{From: support, To: mail.Address{Name: name.in, Address: "ivan@example.ru"},
					Subject: r.Subject, Text: r.Text, HTML: r.HTML, InReplyTo: "b@example.ru", References: []string{"a@example.ru"},
					Auto: tpl.Automatic, Template: tpl.Name}
				out, err := Compose(d, at)
				if err != nil {
					t.Fatalf("Compose(%s, %s) error: %v", tpl.Name, lang, err)
				}
				checkLetter(t, d, out, letterWant{to: "ivan@example.ru", subjectPrefix: prefix + "{{.Number}} <script>", subjectHas: "[TKT-000123]", strict: true})
				if runes := utf8.RuneCountInString(out.Subject); runes > utf8.RuneCountInString(prefix)+templates.MaxSubjectRunes {
					t.Errorf("Subject is %d runes", runes)
				}
			})
		}
	}
}

// TestAcknowledgeHostileTicket goes the daemon's way: a ticket with a 1 MB
// subject and a hostile name, acknowledged with each automatic template.
func TestAcknowledgeHostileTicket(t *testing.T) {
	set, err := templates.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	ack := &Acknowledger{Templates: set, From: support}
	for _, lang := range []string{"ru", "en"} {
		for _, name := range []string{TemplateAck, TemplateAckPriority, TemplateAckFollowUp, TemplateTooLarge} {
			t.Run(lang+"/"+name, func(t *testing.T) {
				data := hostileData(lang)
				tk := store.Ticket{Number: data.Number, Subject: data.Subject, CitizenName: data.CitizenName,
					AccountNumber: data.AccountNumber, Language: lang, DueAt: data.Due}
				r := Received{MessageID: "b@example.ru", References: []string{"a@example.ru"}, At: at, Template: name,
					From:     mail.Address{Name: "=?utf-8?q?a=0D=0ABcc:_x?= \r\nBcc: x", Address: "ivan@example.ru"},
					Rejected: data.Rejected, Size: 33030144, Limit: 30 << 20}
				out, err := ack.Acknowledge(tk, r)
				if err != nil {
					t.Fatal(err)
				}
				checkLetter(t, Draft{HTML: "x", InReplyTo: r.MessageID, References: r.References, Auto: true}, *out,
					letterWant{to: "ivan@example.ru", subjectPrefix: "[TKT-000123] ", subjectHas: "{{.Number}} <script>", strict: true, anyBody: true})
			})
		}
	}
	for _, subject := range []string{"", "  ", "\x00\r\n", "\u202E\u2028"} {
		out, err := ack.Acknowledge(store.Ticket{Number: "TKT-000124", Subject: subject, Language: "ru", DueAt: at},
			Received{At: at, Template: TemplateAck, From: mail.Address{Address: "ivan@example.ru"}})
		if err != nil {
			t.Fatal(err)
		}
		if want := "[TKT-000124] Обращение зарегистрировано: (без темы)"; out.Subject != want {
			t.Errorf("Acknowledge(subject %q).Subject = %q, want %q", subject, out.Subject, want)
		}
	}
	_, err = ack.Acknowledge(store.Ticket{Number: "TKT-000125", Subject: "s", Language: "ru", DueAt: at},
		Received{At: at, Template: TemplateAck, From: mail.Address{Address: "a@@example.ru"}})
	if !errors.Is(err, ErrBadRecipient) {
		t.Errorf("Acknowledge(to a@@example.ru) error = %v, want ErrBadRecipient", err)
	}
}

// TestComposeEmptySubject: a subject of nothing, or of nothing visible,
// is written as an empty Subject field.
func TestComposeEmptySubject(t *testing.T) {
	for _, s := range []string{"", "  ", "\x00\r\n\u2028", "\u202E"} {
		d := Draft{From: support, To: mail.Address{Address: "ivan@example.ru"}, Subject: s, Text: "x", Template: "ack"}
		out, err := Compose(d, at)
		if err != nil {
			t.Fatalf("Compose(subject %q) error: %v", s, err)
		}
		if out.Subject != "" {
			t.Errorf("Compose(subject %q).Subject = %q, want \"\"", s, out.Subject)
		}
		checkLetter(t, d, out, letterWant{to: "ivan@example.ru", strict: true})
	}
}
