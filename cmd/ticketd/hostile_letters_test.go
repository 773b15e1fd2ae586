package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
)

// The letters of TestHostileLetters, built in code (here, and in
// hostile_images_test.go and hostile_mime_test.go): each has a name (its
// subtest), the class it belongs to, and what ticketd must do with it.
// Every letter is unique in its bytes, and every sender address is used by
// one letter only, so that the limit of automatic answers per address
// ([replies] auto_per_hour) never decides an outcome.

// answerWant is what must come of a letter besides being stored.
type answerWant int

const (
	// answerOnce: exactly one acknowledgement, to the letter's sender.
	answerOnce answerWant = iota
	// answerNever: automatic mail (auto-replies, bounces, our own
	// letters); no acknowledgement, nothing to record.
	answerNever
	// answerFailed: a person wrote, but there is no address to answer;
	// no acknowledgement, and the ticket says so with an answer.failed
	// event whose detail gives the reason.
	answerFailed
	// answerOnceOrFailed: an acknowledgement to the sender, or, when the
	// address is valid but beyond what an outgoing server may take (an
	// internationalised address needs SMTPUTF8, a quoted local part),
	// answerFailed's record; never anyone else.
	answerOnceOrFailed
)

func (w answerWant) String() string {
	return [...]string{"one acknowledgement", "no acknowledgement", "no acknowledgement and answer.failed",
		"one acknowledgement or answer.failed"}[w]
}

// The classes of the battery.
const (
	classCitizen   = "citizen"    // ordinary letters between the hostile ones
	classSender    = "sender"     // poison senders, header injection through encoded words
	classMessageID = "message-id" // Message-ID games
	classLength    = "length"     // long lines and huge headers
	classTerminal  = "terminal"   // terminal escape sequences and bidi overrides
	classImage     = "image"      // image and decompression bombs
	classMIME      = "mime"       // broken and abusive MIME structure, broken framing
	classLoop      = "loop"       // automatic mail that must not be answered
)

// hostileLetter is one letter of the battery.
type hostileLetter struct {
	name  string
	class string
	raw   []byte
	want  answerWant
	// to is the address an acknowledgement must go to (answerOnce,
	// answerOnceOrFailed); also lists other spellings of the same
	// mailbox that are as good (a punycoded domain).
	to   string
	also []string
	// sameAs names the letter this one delivers again (the same letter
	// with more Received fields): it must not make a second ticket or a
	// second acknowledgement.
	sameAs string
	// rejects names the attached file that must be stored with the
	// verdict "rejected".
	rejects string
}

// ourAddress is the support mailbox of the test configuration (startServers).
const ourAddress = "support@ticketd.test"

// hostileBattery returns every letter in the order they are delivered: the
// hostile ones by class, with a citizen's letter after every fifth.
func hostileBattery() []hostileLetter {
	var hostile []hostileLetter
	for _, class := range [][]hostileLetter{
		senderLetters(), messageIDLetters(), lengthLetters(), terminalLetters(),
		imageLetters(), mimeLetters(), loopLetters(),
	} {
		hostile = append(hostile, class...)
	}
	citizen := func(i int) hostileLetter {
		return hostileLetter{name: fmt.Sprintf("citizen-%03d", i), class: classCitizen, raw: citizenLetter(i),
			want: answerOnce, to: fmt.Sprintf("citizen%03d@example.ru", i)}
	}
	var out []hostileLetter
	for i, l := range hostile {
		if i%5 == 0 {
			out = append(out, citizen(901+i/5))
		}
		out = append(out, l)
	}
	return append(out, citizen(902+(len(hostile)-1)/5))
}

// draft is a letter being written: header fields in order, then the body.
// Values are written as given, folding and raw bytes included.
type draft struct {
	fields [][2]string
	body   string
	eol    string // "\r\n" unless set
}

// newDraft is an ordinary citizen's letter named id from the raw From value
// from: plain UTF-8 text in Russian, with an account number, and the
// battery's marker in X-Battery-Id and in the text.
func newDraft(id, from, subject string) *draft {
	return &draft{
		fields: [][2]string{
			{"From", from},
			{"To", "Служба поддержки <" + ourAddress + ">"},
			{"Subject", subject},
			{"Date", "Tue, 24 Nov 2026 10:00:00 +0300"},
			{"Message-ID", "<" + id + "@battery.test>"},
			{"X-Battery-Id", id},
			{"MIME-Version", "1.0"},
			{"Content-Type", "text/plain; charset=utf-8"},
			{"Content-Transfer-Encoding", "8bit"},
		},
		body: citizenText(id),
	}
}

// citizenText is the body of an ordinary letter, with the marker id.
func citizenText(id string) string {
	return "Здравствуйте!\r\n\r\nНе могу войти в личный кабинет: пишет, что пароль неверный.\r\n" +
		"Номер личного кабинета: 4410021.\r\n\r\nМаркер батареи: " + id + "\r\n\r\n--\r\nИван Петров\r\n"
}

// set replaces the first field called name, or adds it at the end.
func (d *draft) set(name, value string) *draft {
	for i, f := range d.fields {
		if strings.EqualFold(f[0], name) {
			d.fields[i][1] = value
			return d
		}
	}
	return d.add(name, value)
}

// add appends a field, even when one of that name exists.
func (d *draft) add(name, value string) *draft {
	d.fields = append(d.fields, [2]string{name, value})
	return d
}

// prepend puts a field first, as a relay adds Received.
func (d *draft) prepend(name, value string) *draft {
	d.fields = append([][2]string{{name, value}}, d.fields...)
	return d
}

// drop removes every field called name.
func (d *draft) drop(name string) *draft {
	kept := d.fields[:0]
	for _, f := range d.fields {
		if !strings.EqualFold(f[0], name) {
			kept = append(kept, f)
		}
	}
	d.fields = kept
	return d
}

// withBody replaces the body.
func (d *draft) withBody(body string) *draft {
	d.body = body
	return d
}

// multipart makes the letter multipart/mixed: the citizen's text, then
// parts, each a complete entity (its header, a blank line, its body).
func (d *draft) multipart(boundary string, parts ...string) *draft {
	d.drop("Content-Transfer-Encoding")
	d.set("Content-Type", "multipart/mixed; boundary=\""+boundary+"\"")
	var b strings.Builder
	b.WriteString("This is a multi-part message in MIME format.\r\n")
	text := "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + d.body
	for _, p := range append([]string{text}, parts...) {
		b.WriteString("--" + boundary + "\r\n" + p + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	d.body = b.String()
	return d
}

func (d *draft) bytes() []byte {
	eol := d.eol
	if eol == "" {
		eol = "\r\n"
	}
	var b bytes.Buffer
	for _, f := range d.fields {
		b.WriteString(f[0] + ": " + f[1] + eol)
	}
	b.WriteString(eol)
	b.WriteString(strings.ReplaceAll(d.body, "\r\n", eol))
	return b.Bytes()
}

// ew is s as one RFC 2047 encoded word, whatever its length.
func ew(s string) string {
	return "=?utf-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}

// attachment is a base64 part carrying data.
func attachment(contentType, filename string, data []byte) string {
	return "Content-Type: " + contentType + "; name=\"" + filename + "\"\r\n" +
		"Content-Disposition: attachment; filename=\"" + filename + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64Lines(data)
}

// base64Lines is data in base64, in lines of 76 characters.
func base64Lines(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}

// cp1251 encodes the Russian letters and ASCII of s in Windows-1251.
func cp1251(s string) string {
	var b []byte
	for _, r := range s {
		switch {
		case r >= 'А' && r <= 'я':
			b = append(b, byte(r-'А'+0xC0))
		case r == 'ё':
			b = append(b, 0xB8)
		case r == 'Ё':
			b = append(b, 0xA8)
		case r < 0x80:
			b = append(b, byte(r))
		default:
			b = append(b, '?')
		}
	}
	return string(b)
}

// senderLetters are class 1: From fields that break parsers and composers,
// and encoded words that decode to line breaks in the name and the subject.
func senderLetters() []hostileLetter {
	l := func(name, from string, want answerWant, to string) hostileLetter {
		return hostileLetter{name: name, class: classSender, want: want, to: to,
			raw: newDraft(name, from, "Не могу войти в личный кабинет").bytes()}
	}
	injections := []struct{ name, text string }{
		{"crlf-bcc", "Иван\r\nBcc: attacker@evil.example"},
		{"lf-bcc", "Иван\nBcc: attacker@evil.example"},
		{"cr-bcc", "Иван\rBcc: attacker@evil.example"},
		{"crlfcrlf-body", "Иван\r\n\r\nтело письма подменено"},
		{"u2028", "Иван\u2028Bcc: attacker@evil.example"},
		{"u0085", "Иван\u0085Bcc: attacker@evil.example"},
		{"nul", "Иван\x00Bcc: attacker@evil.example"},
	}
	out := []hostileLetter{
		l("sender-unclosed-quote", `"Магазин "Ромашка <shop@example.ru>`, answerOnce, "shop@example.ru"),
		l("sender-backslash-quote", `"Ivanov \" <a@example.ru>`, answerOnce, "a@example.ru"),
		l("sender-name-is-address", `"evil@attacker.example" <victim@example.ru>`, answerOnce, "victim@example.ru"),
		l("sender-name-is-list", `"a@x.ru, b@y.ru" <c@z.ru>`, answerOnce, "c@z.ru"),
		l("sender-double-at", `a@@example.ru`, answerFailed, ""),
		l("sender-two-ats", `a@b@example.ru`, answerFailed, ""),
		// RFC 5321 allows it, and so does Mailpit; an outgoing server may
		// not, so a record of the failure is as good as an answer.
		l("sender-quoted-local-part", `"john smith"@example.ru`, answerOnceOrFailed, `"john smith"@example.ru`),
		{name: "sender-idn", class: classSender, want: answerOnceOrFailed, to: "иван@пример.рф",
			also: []string{"иван@xn--e1afmkfd.xn--p1ai"},
			raw:  newDraft("sender-idn", "Иван <иван@пример.рф>", "Не могу войти").bytes()},
		l("sender-8bit-utf8-name", "Иван Петров <ivan.utf8@example.ru>", answerOnce, "ivan.utf8@example.ru"),
		l("sender-8bit-cp1251-name", cp1251("Иван Петров")+" <ivan.cp1251@example.ru>", answerOnce, "ivan.cp1251@example.ru"),
		l("sender-name-5000", `"`+strings.Repeat("Иван", 1250)+`" <long.name@example.ru>`, answerOnce, "long.name@example.ru"),
		l("sender-name-5000-encoded", ew(strings.Repeat("Пётр ", 1000))+" <long.encoded@example.ru>", answerOnce, "long.encoded@example.ru"),
		l("sender-name-only", "Иван Петрович Сидоров", answerFailed, ""),
		l("sender-empty", "", answerFailed, ""),
		l("sender-angle-brackets-empty", "Иван <>", answerFailed, ""),
		l("sender-folded-bcc", "Иван <folded@example.ru>\r\n Bcc: attacker@evil.example", answerOnce, "folded@example.ru"),
		// Issue 14: the sender recovered where a mail client finds it.
		l("sender-compat32-whole-mailbox", ew("Иван Петров <compat32@example.ru>"), answerOnce, "compat32@example.ru"),
		l("sender-compat32-bcc-inside", ew("Иван <ew.inject@example.ru>\r\nBcc: attacker@evil.example"), answerOnce, "ew.inject@example.ru"),
		l("sender-address-as-name-no-address", `"name.only@example.ru" <>`, answerOnce, "name.only@example.ru"),
		l("sender-two-addresses-as-name-no-address", `"a@x.ru, b@y.ru" <>`, answerFailed, ""),
		l("sender-noreply-alone", "Портал <noreply@portal.example>", answerFailed, ""),
	}
	for i, inj := range injections {
		addr := fmt.Sprintf("inject-name-%d@example.ru", i+1)
		out = append(out, hostileLetter{
			name: "sender-name-ew-" + inj.name, class: classSender, want: answerOnce, to: addr,
			raw: newDraft("sender-name-ew-"+inj.name, ew(inj.text)+" <"+addr+">", "Не могу войти").bytes(),
		})
	}
	for i, inj := range injections {
		addr := fmt.Sprintf("inject-subject-%d@example.ru", i+1)
		out = append(out, hostileLetter{
			name: "subject-ew-" + inj.name, class: classSender, want: answerOnce, to: addr,
			raw: newDraft("subject-ew-"+inj.name, "Иван <"+addr+">", "Вопрос "+ew(inj.text)).bytes(),
		})
	}
	return append(out,
		hostileLetter{name: "sender-no-from-field", class: classSender, want: answerFailed,
			raw: newDraft("sender-no-from-field", "", "Без отправителя").drop("From").bytes()},
		hostileLetter{name: "sender-multiple-from", class: classSender, want: answerOnce, to: "first@example.ru",
			raw: newDraft("sender-multiple-from", "Первый <first@example.ru>, Второй <second@example.ru>", "Двое").
				set("Sender", "Первый <first@example.ru>").bytes()},
		// ticketd answers where a mail client's Reply goes: Reply-To
		// (issue 14: web forms send from a no-reply address with the
		// citizen in Reply-To). It is no more a way to make ticketd
		// mail a stranger than a From naming the stranger is; the
		// hourly limit of automatic answers per recipient holds either
		// way, and only once to the one address.
		hostileLetter{name: "sender-reply-to-elsewhere", class: classSender, want: answerOnce, to: "stranger@elsewhere.example",
			raw: newDraft("sender-reply-to-elsewhere", "Иван <rt.sender@example.ru>", "Ответьте не мне").
				set("Reply-To", "stranger@elsewhere.example").bytes()},
		hostileLetter{name: "sender-noreply-with-reply-to", class: classSender, want: answerOnce, to: "form.citizen@example.ru",
			raw: newDraft("sender-noreply-with-reply-to", "Портал <noreply@portal.example>", "Заявка с сайта").
				set("Reply-To", ew("Ольга <form.citizen@example.ru>")).bytes()},
		// Either From field is the sender; never both.
		hostileLetter{name: "sender-two-from-fields", class: classSender, want: answerOnce, to: "from.one@example.ru",
			also: []string{"from.two@example.ru"},
			raw: newDraft("sender-two-from-fields", "Один <from.one@example.ru>", "Два поля From").
				add("From", "Два <from.two@example.ru>").bytes()},
	)
}

// messageIDLetters are class 2: letters whose Message-ID is not what a
// Message-ID should be.
func messageIDLetters() []hostileLetter {
	l := func(name, addr string, d *draft) hostileLetter {
		return hostileLetter{name: name, class: classMessageID, want: answerOnce, to: addr, raw: d.bytes()}
	}
	original := newDraft("mid-original", "Ольга <mid.original@example.ru>", "Справка о доходах").
		prepend("Received", "from mx1.example.ru by mx.ticketd.test; Tue, 24 Nov 2026 10:00:05 +0300")
	first := l("mid-same-first", "mid.first@example.ru",
		newDraft("mid-same-first", "Анна <mid.first@example.ru>", "Первое письмо").
			set("Message-ID", "<same-id@shared.example>"))
	// A different letter from a different person that happens to carry
	// the same Message-ID (a broken mailer, or someone who copied it):
	// it must be stored and answered on its own.
	second := l("mid-same-second", "mid.second@example.ru",
		newDraft("mid-same-second", "Борис <mid.second@example.ru>", "Совсем другое письмо").
			set("Message-ID", "<same-id@shared.example>").
			withBody("Добрый день. У меня другая проблема: не приходит СМС с кодом.\r\nМаркер: mid-same-second\r\n"))
	redelivered := newDraft("mid-original", "Ольга <mid.original@example.ru>", "Справка о доходах").
		prepend("Received", "from mx1.example.ru by mx.ticketd.test; Tue, 24 Nov 2026 10:00:05 +0300").
		prepend("Received", "from mx2.example.ru by mx.ticketd.test; Tue, 24 Nov 2026 10:07:00 +0300").
		prepend("Received", "from backup.ticketd.test by mx.ticketd.test; Tue, 24 Nov 2026 10:07:01 +0300")
	return []hostileLetter{
		l("mid-original", "mid.original@example.ru", original),
		first,
		second,
		l("mid-10kb", "mid.long@example.ru",
			newDraft("mid-10kb", "Длинный <mid.long@example.ru>", "Длинный Message-ID").
				set("Message-ID", "<"+strings.Repeat("x", 10<<10)+"@example.ru>")),
		l("mid-spaces-no-brackets", "mid.spaces@example.ru",
			newDraft("mid-spaces-no-brackets", "Пробел <mid.spaces@example.ru>", "Пробелы в Message-ID").
				set("Message-ID", "id with spaces and no brackets@example.ru")),
		// Two letters whose Message-IDs differ only in white space, which a
		// reader that drops it would take for one.
		l("mid-spaces-other-words", "mid.words@example.ru",
			newDraft("mid-spaces-other-words", "Слова <mid.words@example.ru>", "Другие слова в Message-ID").
				set("Message-ID", "other words, still no brackets@example.ru")),
		l("mid-inner-space", "mid.inner.space@example.ru",
			newDraft("mid-inner-space", "Пробел внутри <mid.inner.space@example.ru>", "Пробел внутри Message-ID").
				set("Message-ID", "<mid-inner space@battery.test>")),
		l("mid-inner-no-space", "mid.inner.nospace@example.ru",
			newDraft("mid-inner-no-space", "Без пробела <mid.inner.nospace@example.ru>", "Без пробела").
				set("Message-ID", "<mid-innerspace@battery.test>")),
		l("mid-duplicate-fields", "mid.twice@example.ru",
			newDraft("mid-duplicate-fields", "Двойной <mid.twice@example.ru>", "Два Message-ID").
				add("Message-ID", "<mid-duplicate-fields-2@battery.test>")),
		l("mid-folded-bcc", "mid.folded@example.ru",
			newDraft("mid-folded-bcc", "Сложенный <mid.folded@example.ru>", "Сложенный Message-ID").
				set("Message-ID", "<mid-folded-bcc@battery.test\r\n Bcc: attacker@evil.example>")),
		l("mid-empty-brackets", "mid.empty@example.ru",
			newDraft("mid-empty-brackets", "Пустой <mid.empty@example.ru>", "Пустой Message-ID").
				set("Message-ID", "<>")),
		{name: "mid-redelivered", class: classMessageID, want: answerNever, sameAs: "mid-original", raw: redelivered.bytes()},
	}
}

// lengthLetters are class 3: lines and fields far past RFC 5322's 998
// octets.
func lengthLetters() []hostileLetter {
	l := func(name, addr string, d *draft) hostileLetter {
		return hostileLetter{name: name, class: classLength, want: answerOnce, to: addr, raw: d.bytes()}
	}
	words := make([]string, 10000)
	for i := range words {
		words[i] = ew(fmt.Sprintf("слово%d ", i))
	}
	return []hostileLetter{
		l("subject-1mb", "len.subject@example.ru",
			newDraft("subject-1mb", "Тема <len.subject@example.ru>", strings.Repeat("очень длинная тема ", 1<<20/34))),
		l("subject-1mb-ascii", "len.ascii@example.ru",
			newDraft("subject-1mb-ascii", "Subject <len.ascii@example.ru>", strings.Repeat("a very long subject ", 1<<20/20))),
		l("subject-ascii-one-word-100kb", "len.asciiword@example.ru",
			newDraft("subject-ascii-one-word-100kb", "Word <len.asciiword@example.ru>", strings.Repeat("x", 100<<10))),
		l("subject-one-word-50kb", "len.word@example.ru",
			newDraft("subject-one-word-50kb", "Слово <len.word@example.ru>", strings.Repeat("ы", 25<<10))),
		l("subject-10000-encoded-words", "len.words@example.ru",
			newDraft("subject-10000-encoded-words", "Слова <len.words@example.ru>", strings.Join(words, "\r\n "))),
		l("body-line-100kb", "len.body@example.ru",
			newDraft("body-line-100kb", "Тело <len.body@example.ru>", "Одна строка").
				withBody(citizenText("body-line-100kb")+strings.Repeat("ж", 50<<10)+"\r\n")),
		l("header-line-100kb", "len.header@example.ru",
			newDraft("header-line-100kb", "Поле <len.header@example.ru>", "Длинное поле").
				add("X-Long", strings.Repeat("z", 100<<10))),
		l("header-20000-fields", "len.fields@example.ru",
			newDraft("header-20000-fields", "Поля <len.fields@example.ru>", "Много полей").
				add("X-Junk", strings.Repeat("0123456789abcdef\r\nX-Junk: ", 20000)+"end")),
	}
}

// terminalLetters are class 4: what a terminal would execute if an
// operator's tool printed it. The battery only checks they are stored
// and answered.
func terminalLetters() []hostileLetter {
	seqs := []struct{ name, seq string }{
		{"esc-clear", "\x1b[2J\x1b[H"},
		{"osc0-title", "\x1b]0;ticketd: всё хорошо\x07"},
		{"osc52-clipboard", "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("rm -rf ~\n")) + "\x07"},
		{"osc8-link", "\x1b]8;;https://evil.example/\x1b\\личный кабинет\x1b]8;;\x1b\\"},
		{"bel-backspace", "\x07\x07\x08\x08\x08\x08XXXX"},
		{"c1-controls", "\u009b2J\u009d0;title\u009c\u0090"},
		{"bidi-override", "\u202eгп.ехе\u202c \u2066изолят\u2069 \u200f"},
	}
	var out []hostileLetter
	for i, s := range seqs {
		addr := fmt.Sprintf("term.%d@example.ru", i+1)
		name := "term-" + s.name
		// The raw sequence in the subject for half, an encoded word for the
		// other half; in the name always encoded (raw it would be a second
		// kind of broken From); in the body raw.
		subject := "Вопрос " + s.seq + " о справке"
		if i%2 == 1 {
			subject = "Вопрос " + ew(s.seq) + " о справке"
		}
		out = append(out, hostileLetter{name: name, class: classTerminal, want: answerOnce, to: addr,
			raw: newDraft(name, ew("Иван "+s.seq+" Петров")+" <"+addr+">", subject).
				withBody(citizenText(name) + "Последовательность: " + s.seq + " конец.\r\n").bytes()})
	}
	return out
}
