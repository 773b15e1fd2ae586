package mailparse

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// parts of a letter's own text, as splitQuote cuts it.
type split struct {
	desc   string // what the writer wrote this time
	quoted string // quoted history and forwarded text
	sig    string // the signature
}

// splitQuote cuts text (LF line breaks) into what the writer wrote, the
// history it quotes and the signature.
//
// A hard cut ends the writer's text: a separator ("-----Original
// Message-----", "-------- Пересылаемое сообщение --------"), an Outlook
// header block ("From: … Sent: …", "От: … Отправлено: …") or an attribution
// line ("On … wrote:", "… пишет:", "… <ivan@mail.ru>:") that is not followed by
// '>' lines. Everything from the cut on is quoted. Before the cut, '>' lines
// and the attributions that lead them are quoted too, while the lines between
// them stay the writer's, so replies written between quotes are kept. The
// signature starts at the first signature line ("-- ", "С уважением,",
// "Sent from my iPhone") after some text and before the cut.
func splitQuote(text string) split {
	lines := strings.Split(text, "\n")
	cut := len(lines)
	quote := make([]bool, len(lines)) // lines before the cut that are quoted
	for i := 0; i < cut; i++ {
		switch {
		case isQuoteLine(lines[i]):
			quote[i] = true
		case isSeparator(lines[i]) || isHeaderBlock(lines, i):
			cut = ruleBefore(lines, i)
		default:
			n := attribution(lines, i)
			if n == 0 {
				continue
			}
			if !quotesFollow(lines, i+n) {
				cut = i
				continue
			}
			for j := i; j < i+n; j++ {
				quote[j] = true
			}
			i += n - 1
		}
	}
	// A closing follows some text of the writer's: a letter that opens with
	// "С уважением, прошу…" is all text.
	sigAt, wrote := cut, false
	for i := 0; i < cut; i++ {
		if quote[i] {
			continue
		}
		if k := signatureKind(lines[i]); k == sigMark || k == sigClosing && wrote {
			sigAt = i
			break
		}
		wrote = wrote || strings.TrimSpace(lines[i]) != ""
	}
	var desc, quoted, sig []string
	for i, line := range lines {
		switch {
		case i >= cut || quote[i]:
			quoted = append(quoted, line)
		case i >= sigAt:
			sig = append(sig, line)
		default:
			desc = append(desc, line)
		}
	}
	return split{desc: joinTrim(desc), quoted: joinTrim(quoted), sig: joinTrim(sig)}
}

// joinTrim joins lines, trims blank space around them and keeps at most one
// blank line in a row, since taking quoted lines out leaves gaps.
func joinTrim(lines []string) string {
	out := lines[:0:0]
	for i, line := range lines {
		if strings.TrimSpace(line) == "" && i > 0 && strings.TrimSpace(lines[i-1]) == "" {
			continue
		}
		out = append(out, line)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// forwardedBody returns quoted text without the separator, attribution and
// header block that lead it: the body of a forwarded message.
func forwardedBody(quoted string) string {
	lines := strings.Split(quoted, "\n")
	i := 0
	for i < len(lines) {
		line := lines[i]
		t := strings.TrimSpace(line)
		switch {
		case t == "", isSeparator(line), isAttribution(line),
			isRule(t),
			hasKey(line, fromKeys), hasKey(line, dateKeys), hasKey(line, otherKeys):
			i++
			continue
		}
		break
	}
	if i == len(lines) {
		return quoted
	}
	return joinTrim(lines[i:])
}

// isQuoteLine reports whether a line is quoted with '>' (RFC 3676 section
// 4.5, and the habit of every mail client).
func isQuoteLine(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t"), ">")
}

// quotesFollow reports whether the first line at or after i that is not
// blank is quoted.
func quotesFollow(lines []string, i int) bool {
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "" {
			return isQuoteLine(lines[i])
		}
	}
	return false
}

// ruleBefore moves a cut at i up to a horizontal rule just above it.
//
// QUIRK: Outlook puts a line of underscores above its "From: … Sent: …"
// block.
func ruleBefore(lines []string, i int) int {
	j := i - 1
	for j >= 0 && strings.TrimSpace(lines[j]) == "" {
		j--
	}
	if j >= 0 && isRule(strings.TrimSpace(lines[j])) {
		return j
	}
	return i
}

// isRule reports whether a trimmed line is a horizontal rule of underscores,
// dashes or equals signs.
func isRule(t string) bool {
	return len(t) >= 10 && strings.Trim(t, "_-=") == ""
}

// separatorNames are the words inside the dashed lines that clients put above
// quoted or forwarded text.
var separatorNames = []string{
	"original message",                   // Outlook, Thunderbird
	"forwarded message",                  // Gmail, Thunderbird, Mail.ru in English
	"пересылаемое сообщение",             // Mail.ru, Thunderbird
	"исходное сообщение",                 // Outlook, Thunderbird in Russian
	"переадресованное сообщение",         // Outlook in Russian
	"начало переадресованного сообщения", // Yandex, Apple Mail in Russian
	"пересланное сообщение",              // Yandex
	"исходное письмо",
	"пересылаемое письмо",
	"ursprüngliche nachricht",
	"weitergeleitete nachricht",
}

// isSeparator reports whether a line separates the writer's text from
// quoted or forwarded text.
func isSeparator(line string) bool {
	t := strings.TrimSpace(line)
	if len(t) > 120 || len(t) < 10 {
		return false
	}
	if hasPrefixFold(t, "begin forwarded message") || hasPrefixFold(t, "начало переадресованного сообщения") {
		return true // Apple Mail
	}
	core := strings.Trim(t, "-_=* ")
	if len(t)-len(core) < 4 {
		return false
	}
	core = strings.TrimSuffix(core, ":")
	for _, name := range separatorNames {
		if strings.EqualFold(core, name) {
			return true
		}
	}
	return false
}

// Keys of the header blocks that Outlook, Gmail and others write above quoted
// text.
var (
	fromKeys  = []string{"from:", "от:", "от кого:", "von:"}
	dateKeys  = []string{"sent:", "date:", "отправлено:", "дата:", "gesendet:", "datum:"}
	otherKeys = []string{"to:", "cc:", "subject:", "кому:", "копия:", "тема:", "an:", "betreff:"}
)

// isHeaderBlock reports whether line i starts a header block: a From line
// followed within the next lines by a date line and one more header line.
//
// QUIRK: Outlook writes "From: … Sent: … To: … Subject: …" (in Russian
// "От: … Отправлено: … Кому: … Тема: …") above the quoted text instead of
// '>' marks; plain-text renderings keep the bold as "*From:*". A letter that
// merely starts with "Кому: … От: …", as formal Russian letters do, has no
// date line and is not cut.
func isHeaderBlock(lines []string, i int) bool {
	if !hasKey(lines[i], fromKeys) {
		return false
	}
	var dated, other bool
	for j := i + 1; j < len(lines) && j <= i+6; j++ {
		switch {
		case hasKey(lines[j], dateKeys):
			dated = true
		case hasKey(lines[j], otherKeys):
			other = true
		case strings.TrimSpace(lines[j]) == "":
			if j > i+1 {
				return dated && other
			}
		}
	}
	return dated && other
}

// hasKey reports whether a line starts with one of the header keys.
func hasKey(line string, keys []string) bool {
	t := strings.TrimLeft(line, " \t*")
	for _, k := range keys {
		if hasPrefixFold(t, k) {
			return true
		}
	}
	return false
}

// attribution returns the number of lines (1 or 2) of an attribution line
// starting at line i, 0 when there is none. Gmail wraps long attributions
// over two lines.
func attribution(lines []string, i int) int {
	// Every attribution ends with a colon: only then try the next line too.
	wrapped := i+1 < len(lines) && len(lines[i]) < 200 && strings.HasSuffix(strings.TrimSpace(lines[i+1]), ":")
	// Gmail breaks the line inside "<address>", leaving a second line
	// that looks like an attribution of its own.
	if wrapped && strings.HasSuffix(strings.TrimSpace(lines[i]), "<") && isAttribution(lines[i]+lines[i+1]) {
		return 2
	}
	if isAttribution(lines[i]) {
		return 1
	}
	if wrapped && strings.TrimSpace(lines[i]) != "" && !isAttribution(lines[i+1]) &&
		isAttribution(lines[i]+" "+lines[i+1]) {
		return 2
	}
	return 0
}

// attributionEnds are the Russian and other endings of "X wrote:".
var attributionEnds = []string{
	"пишет:", "написал:", "написала:", "написал(а):", "писал(а):", "писал:", "писала:",
	"schrieb:", "a écrit :", "a écrit:", "escribió:",
}

// isAttribution reports whether a line introduces quoted text.
func isAttribution(line string) bool {
	t := strings.TrimSpace(line)
	if len(t) < 6 || len(t) > 400 {
		return false
	}
	if hasPrefixFold(t, "on ") && hasSuffixFold(t, "wrote:") {
		return true
	}
	for _, end := range attributionEnds {
		if hasSuffixFold(t, end) {
			return true
		}
	}
	// QUIRK: Mail.ru ("Понедельник, 1 января 2024, 10:00 +03:00 от Иван
	// <ivan@mail.ru>:"), Yandex ("01.01.2024, 10:00, "Иван" <ivan@ya.ru>:")
	// and Gmail in Russian ("пн, 1 янв. 2024 г. в 10:00, Иван <ivan@mail.ru>:")
	// end the attribution with the address.
	return strings.HasSuffix(t, ">:") && strings.Contains(t, "@")
}

// closings are the phrases that open a signature when they end the line or
// are followed by a name.
var closings = []string{
	"с уважением", "с наилучшими пожеланиями", "всего доброго", "всего наилучшего", "всего хорошего",
	"best regards", "kind regards", "warm regards", "regards", "with best regards", "sincerely",
	"mit freundlichen grüßen", "mit freundlichen gruessen", "freundliche grüße", "freundliche gruesse",
}

// mobileLines are the first words of the lines mail apps add.
var mobileLines = []string{
	"sent from my ", "sent from mail for windows", "sent from outlook", "sent from yahoo mail",
	"get outlook for ", "отправлено из mail.ru", "отправлено из мобильной", "отправлено с iphone",
	"отправлено с моего", "отправлено из приложения", "отправлено с помощью",
}

// Kinds of signature lines.
const (
	sigNone    = iota
	sigMark    // "-- " or a mail app's line: a signature wherever it stands
	sigClosing // "С уважением,": a signature after some text
)

// signatureKind tells whether a line starts a signature: the RFC 3676
// section 4.3 separator "-- " (also without its space, as many clients strip
// it), a line that mail apps add, or a short line starting with a closing
// phrase.
func signatureKind(line string) int {
	if line == "-- " || line == "--" {
		return sigMark
	}
	t := strings.TrimSpace(line)
	if len(t) > 80 {
		return sigNone
	}
	for _, s := range mobileLines {
		if hasPrefixFold(t, s) {
			return sigMark
		}
	}
	for _, s := range closings {
		if hasPrefixFold(t, s) && closingRest(t[len(s):]) {
			return sigClosing
		}
	}
	return sigNone
}

// closingRest reports whether what follows a closing phrase fits a
// signature: nothing, punctuation, or a name of at most three words that is
// not a sentence ("С уважением отношусь к вам." is not a signature).
func closingRest(rest string) bool {
	rest = strings.TrimSpace(rest)
	if rest == "" || strings.ContainsAny(rest[:1], ",!.:;") {
		return true
	}
	if strings.ContainsAny(rest[len(rest)-1:], ".?!") {
		return false
	}
	first, _ := utf8.DecodeRuneInString(rest)
	return len(strings.Fields(rest)) <= 3 && !unicode.IsLower(first)
}

// hasPrefixFold is strings.HasPrefix ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// hasSuffixFold is strings.HasSuffix ignoring case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
