package mailparse

import (
	"strings"
	"unicode"
	"unicode/utf8"

	gomail "github.com/emersion/go-message/mail"
)

// parseAddressList decodes an address-list field (RFC 5322 section 3.4). It
// first asks go-message (net/mail with every charset registered); when that
// fails on a malformed list it splits the list itself and reads each mailbox
// on its own, strictly first and then with a forgiving reader that takes the
// text in <…> or the word with an '@' as the address and the rest as the
// name.
//
// What it returns is what a mail client would reply to, or nothing: a
// mailbox whose address is not a well-formed addr-spec is dropped, never
// guessed at, so that a reply cannot go to a stranger. Display names come
// back decoded, on one line and trimmed; a name that holds an '@' is
// dropped (see cleanName).
func parseAddressList(v, hint string) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if !utf8.ValidString(v) {
		// QUIRK: raw cp1251 / KOI8-R display names from Outlook.
		v = decodeGuess([]byte(v), hint)
	}
	if list, err := gomail.ParseAddressList(v); err == nil {
		var out []Address
		for _, a := range list {
			if a, ok := strictAddress(a, hint); ok {
				out = append(out, a)
			}
		}
		return out
	}
	var out []Address
	for _, piece := range splitAddresses(v) {
		// A list fails as a whole when one mailbox is broken: the
		// others are still read by the book.
		if a, err := gomail.ParseAddress(piece); err == nil {
			if a, ok := strictAddress(a, hint); ok {
				out = append(out, a)
			}
			continue
		}
		if a, ok := looseAddress(piece, hint); ok {
			out = append(out, a)
		}
	}
	return out
}

// strictAddress turns what net/mail parsed into an Address. net/mail
// accepts what RFC 5322 and RFC 6532 do, so the address is kept as it is:
// a quoted local part ("john smith"@example.ru) comes back unquoted as
// "john smith@example.ru", in net/mail's convention, and an internationalised
// address (иван@пример.рф) as written. Whether it can be answered is for the
// writer to decide.
func strictAddress(a *gomail.Address, hint string) (Address, bool) {
	if a.Address == "" || strings.ContainsFunc(a.Address, isLineControl) {
		return Address{}, false
	}
	name := a.Name
	if strings.Contains(name, "=?") {
		name = decodeWords(name, hint) // encoded words net/mail left alone
	}
	return Address{Name: cleanName(name), Address: a.Address}, true
}

// cleanName makes a decoded display name one clean line: control
// characters and line separators (which an encoded word can hide: CR, LF,
// NUL, U+0085, U+2028) become spaces, runs of white space one space.
//
// A name that holds an '@' is dropped. QUIRK: Outlook and some web forms
// write the address itself as the display name ("ivan@mail.ru"
// <ivan@mail.ru>), and a forger writes another address there ("boss@bank.ru"
// <victim@example.ru>, "a@x.ru, b@y.ru" <c@z.ru>) so that the letter seems to
// come from it. Either way the name says nothing a reply should repeat.
func cleanName(name string) string {
	name = strings.Join(strings.Fields(cleanControls(name)), " ")
	if strings.Contains(name, "@") {
		return ""
	}
	return name
}

// splitAddresses splits a list at commas outside quotes, comments and angle
// brackets.
func splitAddresses(v string) []string {
	var (
		parts            []string
		quoted           bool
		angle, paren, at int
	)
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case c == '(':
			paren++
		case c == ')' && paren > 0:
			paren--
		case (c == ',' || c == ';') && angle == 0 && paren == 0:
			parts = append(parts, v[at:i])
			at = i + 1
		}
	}
	return append(parts, v[at:])
}

// looseAddress reads one malformed mailbox. It recovers the address when
// what stands in <…>, or the one word with an '@', is a well-formed
// addr-spec (see looseAddrSpec), and reports false otherwise.
//
// QUIRK: quotes that do not close ("Магазин "Ромашка <shop@example.ru>, a
// shop's name with one quote mark), a backslash before the closing quote
// ("Ivanov \" <a@example.ru>, the quote escaped by a web form that meant a
// path separator) and a missing '>' are read as a mail client shows them:
// the name is what stands before '<', without its quotes and backslashes.
func looseAddress(s, hint string) (Address, bool) {
	s = strings.TrimSpace(s)
	// QUIRK: a group ("undisclosed-recipients:") before the mailbox. The
	// colon of an encoded word ("=?utf-8?q?Bcc:_x?=") is not one.
	if c := strings.IndexByte(s, ':'); c >= 0 && !strings.ContainsAny(s[:c], "<@\"") && !strings.Contains(s[:c], "=?") {
		s = strings.TrimSpace(s[c+1:])
	}
	var name, addr string
	if lt := strings.LastIndexByte(s, '<'); lt >= 0 {
		addr = s[lt+1:]
		if gt := strings.IndexByte(addr, '>'); gt >= 0 {
			addr = addr[:gt]
		}
		name = s[:lt]
	} else {
		for _, w := range strings.Fields(s) {
			if strings.Contains(w, "@") {
				addr = w
				name = strings.Replace(s, w, "", 1)
				break
			}
		}
	}
	addr = strings.Trim(addr, " \t\"'()<>;,")
	if !looseAddrSpec(addr) {
		return Address{}, false
	}
	name = strings.TrimSpace(name)
	if strings.HasPrefix(name, "(") && strings.HasSuffix(name, ")") {
		name = name[1 : len(name)-1]
	}
	name = strings.Trim(unescapeQuoted(name), " \t\"'")
	return Address{Name: cleanName(decodeText(name, hint)), Address: addr}, true
}

// unescapeQuoted removes the backslashes of quoted pairs (RFC 5322 section
// 3.2.1): \x is x, and a backslash at the end is dropped.
func unescapeQuoted(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			if i == len(s) {
				break
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// looseAddrSpec reports whether addr, found by looseAddress, is one
// mailbox's address: one '@' between a local part of atext and dots and a
// domain of dot-separated atext labels or a [literal], with no white space
// or control character (RFC 5322 section 3.4.1).
//
// QUIRK: a local part with a leading, trailing or doubled dot
// (ivan..petrov@mail.ru, ivan.@mail.ru; old webmail and Japanese mobile
// carriers made them) is the address all the same: net/mail refuses it,
// a reply quotes it ("ivan..petrov"@mail.ru).
//
// QUIRK: a doubled '@' (a@@example.ru, a@b@example.ru) is refused. It is
// most likely a typing slip for a@example.ru or b@example.ru, but which
// one is a guess, and a guessed address would send the citizen's letter to
// a stranger; the letter is filed without an address to answer.
func looseAddrSpec(addr string) bool {
	if len(addr) > 254 || !utf8.ValidString(addr) || strings.Count(addr, "@") != 1 {
		return false
	}
	local, domain, _ := strings.Cut(addr, "@")
	if local == "" || domain == "" || strings.Trim(local, ".") == "" {
		return false
	}
	for _, r := range local {
		if r != '.' && !isAtext(r) {
			return false
		}
	}
	if strings.HasPrefix(domain, "[") {
		return strings.HasSuffix(domain, "]") && len(domain) > 2 &&
			!strings.ContainsFunc(domain[1:len(domain)-1], func(r rune) bool { return r <= ' ' || r == '[' || r == ']' || r == '\\' || r == 0x7f })
	}
	for label := range strings.SplitSeq(domain, ".") {
		if label == "" {
			return false
		}
		for _, r := range label {
			if !isAtext(r) {
				return false
			}
		}
	}
	return true
}

// isAtext reports whether r is atext (RFC 5322 section 3.2.3), widened to
// UTF-8 by RFC 6532 section 3.2.
func isAtext(r rune) bool {
	switch {
	case r >= utf8.RuneSelf:
		return r != utf8.RuneError && !isLineControl(r) && !unicode.IsSpace(r)
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)
}

// parseReturnPath returns the address in a Return-Path field, "" for the null
// path <>.
func parseReturnPath(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		if j := strings.IndexByte(v, '>'); j >= 0 {
			v = v[:j]
		}
	}
	return strings.TrimSpace(v)
}

// parseMsgIDs returns the message ids in a Message-ID, In-Reply-To or
// References field without angle brackets. Ids are what stands in <…>;
// when there are no brackets (QUIRK: some webmail and ticket systems), the
// words with an '@'.
func parseMsgIDs(v string) []string {
	var ids []string
	rest := v
	for {
		lt := strings.IndexByte(rest, '<')
		if lt < 0 {
			break
		}
		gt := strings.IndexByte(rest[lt:], '>')
		if gt < 0 {
			break
		}
		if id := strings.Join(strings.Fields(rest[lt+1:lt+gt]), ""); id != "" {
			ids = append(ids, id)
		}
		rest = rest[lt+gt+1:]
	}
	if len(ids) > 0 {
		return ids
	}
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if w = strings.Trim(w, "<>\"'"); strings.Contains(w, "@") {
			ids = append(ids, w)
		}
	}
	return ids
}
