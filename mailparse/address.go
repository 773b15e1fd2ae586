package mailparse

import (
	"strings"
	"unicode/utf8"

	gomail "github.com/emersion/go-message/mail"
)

// parseAddressList decodes an address-list field (RFC 5322 section 3.4). It
// first asks go-message (net/mail with every charset registered); when that
// fails on a malformed list it falls back to a forgiving reader that takes the
// text in <…> or the word with an '@' as the address and the rest as the
// name. Entries without an address are dropped.
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
		out := make([]Address, 0, len(list))
		for _, a := range list {
			name := a.Name
			if strings.Contains(name, "=?") {
				name = decodeWords(name, hint) // encoded words net/mail left alone
			}
			out = append(out, Address{Name: strings.TrimSpace(cleanControls(name)), Address: a.Address})
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	var out []Address
	for _, piece := range splitAddresses(v) {
		if a, ok := looseAddress(piece, hint); ok {
			out = append(out, a)
		}
	}
	return out
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

// looseAddress reads one malformed mailbox.
func looseAddress(s, hint string) (Address, bool) {
	s = strings.TrimSpace(s)
	// QUIRK: a group ("undisclosed-recipients:") before the mailbox.
	if c := strings.IndexByte(s, ':'); c >= 0 && !strings.ContainsAny(s[:c], "<@\"") {
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
	if addr == "" || strings.ContainsAny(addr, " \t") {
		return Address{}, false
	}
	name = strings.TrimSpace(name)
	if strings.HasPrefix(name, "(") && strings.HasSuffix(name, ")") {
		name = name[1 : len(name)-1]
	}
	name = strings.Trim(name, " \t\"'")
	name = strings.ReplaceAll(name, `\"`, `"`)
	return Address{Name: decodeText(name, hint), Address: addr}, true
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
