package mailparse

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ReplyHeader says which header field held the address a letter is
// answered at (Letter.Reply), and how that address was read there. Its
// values are stable: the store keeps them.
type ReplyHeader string

// Where Letter.Reply was found. The "-encoded-word" and "-display-name"
// kinds are recovered from a field that, read by the book, holds no
// address that can be answered.
const (
	ReplyNone          ReplyHeader = ""                      // no address can be answered
	ReplyToHeader      ReplyHeader = "reply-to"              // Reply-To, as written
	ReplyToEncodedWord ReplyHeader = "reply-to-encoded-word" // Reply-To, from inside RFC 2047 encoded words
	ReplyToDisplayName ReplyHeader = "reply-to-display-name" // Reply-To, the address written as its display name
	FromHeader         ReplyHeader = "from"                  // From, as written
	FromEncodedWord    ReplyHeader = "from-encoded-word"     // From, from inside RFC 2047 encoded words
	FromDisplayName    ReplyHeader = "from-display-name"     // From, the address written as its display name
	SenderHeader       ReplyHeader = "sender"                // Sender, as written, for a letter whose From has nothing
	SenderEncodedWord  ReplyHeader = "sender-encoded-word"   // Sender, from inside RFC 2047 encoded words
)

// Recovered reports whether the address was not where RFC 5322 puts it:
// it was read from inside encoded words or from a display name.
func (h ReplyHeader) Recovered() bool {
	return strings.HasSuffix(string(h), "-encoded-word") || strings.HasSuffix(string(h), "-display-name")
}

// reading is how an address was read from its field.
type reading int

const (
	asWritten    reading = iota // a mailbox's addr-spec, by the book or nearly (parseAddressList)
	encodedWords                // the field was encoded whole: a mailbox of its decoded text
	displayName                 // the one address standing in the field's display names
)

// found is an address read from a header field, with how it was read.
type found struct {
	Address
	how reading
}

// readAddressField reads an address field (From, Reply-To, Sender) for the
// addresses an answer could go to, the surest first:
//
//   - the mailboxes as written (parseAddressList); or, when the field's
//     addresses stand only inside RFC 2047 encoded words, the mailboxes of
//     its decoded text instead;
//   - then the one address written in its display names, if there is
//     exactly one and it is none of those.
//
// QUIRK: Python's email package with its compat32 policy (and web forms
// built on it, or copying it) encodes a non-ASCII "Name <address>" whole,
// as one or more encoded words: "From: =?utf-8?b?0JjQstCw0L0gPGl2YW5A...?=".
// RFC 2047 section 5 (3) forbids an encoded word outside a phrase, so by
// the book the field holds no address; Thunderbird and Outlook decode it
// first and reply to the address inside, and so do we.
//
// QUIRK: web forms and some mailers write the sender's address as the
// display name and none, or a broken or a no-reply one, where it belongs:
// "ivan@example.ru" <>, ivan@example.ru <invalid>, "ivan@example.ru"
// <noreply@form.example>. The address in the name comes last: as long as
// the field holds a mailbox that can be answered, a name such as
// "boss@bank.example" <victim@example.ru> is never read as the sender.
// Two different addresses in the names are a guess between them, and give
// none.
func readAddressField(v, hint string) []found {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if !utf8.ValidString(v) {
		v = decodeGuess([]byte(v), hint)
	}
	var out []found
	text := v
	if addressInWords(v) {
		text = cleanControls(decodeWords(v, hint))
		for _, a := range parseAddressList(text, hint) {
			out = append(out, found{a, encodedWords})
		}
	} else {
		for _, a := range parseAddressList(v, hint) {
			out = append(out, found{a, asWritten})
		}
		text = cleanControls(decodeWords(v, hint))
	}
	if a, ok := addressInNames(text, out); ok {
		out = append(out, found{a, displayName})
	}
	return out
}

// addressInWords reports whether the addresses of field value v stand only
// inside encoded words: v has an '@' there and none outside them.
func addressInWords(v string) bool {
	if !strings.Contains(v, "=?") {
		return false
	}
	var outside, inside strings.Builder
	term, pos := -1, 0
	for from := 0; ; {
		i := strings.Index(v[from:], "=?")
		if i < 0 {
			break
		}
		start := from + i
		_, data, end, ok := parseWord(v, start, &term)
		if end < 0 {
			break
		}
		if !ok {
			from = start + 2
			continue
		}
		outside.WriteString(v[pos:start])
		inside.Write(data)
		pos, from = end, end
	}
	outside.WriteString(v[pos:])
	return !strings.Contains(outside.String(), "@") && strings.Contains(inside.String(), "@")
}

// addressInNames returns the one address written in text, a decoded
// address field, that is none of the mailboxes read from it (known):
// tokens of text with one '@', stripped of the punctuation around them
// (ivan@example.ru., [ivan@example.ru], mailto:ivan@example.ru), that look
// like a mailbox on a host name (plausibleAddress). Its name is what is
// left of text without the address, brackets and quotes, when that is a
// clean name (cleanName).
func addressInNames(text string, known []found) (Address, bool) {
	if !strings.Contains(text, "@") {
		return Address{}, false
	}
	var addr string
	var token string
	for _, t := range strings.FieldsFunc(text, isNameSeparator) {
		if !strings.Contains(t, "@") {
			continue
		}
		a := strings.TrimRightFunc(strings.TrimLeftFunc(t, isAddressJunk), isAddressEndJunk)
		if !plausibleAddress(a) || isKnown(a, known) {
			continue
		}
		if addr != "" && !strings.EqualFold(addr, a) {
			return Address{}, false // two addresses: which one is a guess
		}
		addr, token = a, t
	}
	if addr == "" {
		return Address{}, false
	}
	return Address{Name: nameAround(text, token), Address: addr}, true
}

// isNameSeparator reports whether r separates the words of a display name
// for addressInNames: white space, quotes, brackets and the list and
// scheme punctuation no address holds outside a quoted local part.
func isNameSeparator(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("\"<>()[],;:\\", r)
}

// isAddressJunk reports whether r, before an address found in a name, is
// punctuation around it rather than part of it.
func isAddressJunk(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
}

// isAddressEndJunk reports whether r, after an address, is not part of it:
// a host name ends in a letter or a digit.
func isAddressEndJunk(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// isKnown reports whether a is the address of one of the mailboxes in
// known.
func isKnown(a string, known []found) bool {
	for _, k := range known {
		if strings.EqualFold(k.Address.Address, a) {
			return true
		}
	}
	return false
}

// plausibleAddress reports whether a, found in a display name, looks like
// a mailbox: a well-formed addr-spec (looseAddrSpec) whose local part has
// only letters, digits and "._-+", on a host name of at least two labels
// (isHostName). An address literal, "a@localhost" or the remains of a
// broken encoded word ("utf-8?q?ivan@example.ru") in a name are not taken.
func plausibleAddress(a string) bool {
	if !looseAddrSpec(a) {
		return false
	}
	local, domain, _ := strings.Cut(a, "@")
	for _, r := range local {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-+", r) {
			return false
		}
	}
	return isHostName(domain, 2)
}

// isHostName reports whether domain is a host name of at least min labels
// of letters, digits, hyphens and underscores, none starting or ending in
// a hyphen, the last not all digits. An addr-spec's domain may be any
// atext ("example.ru***" is one); no host is named so.
func isHostName(domain string, min int) bool {
	labels := strings.Split(strings.TrimSuffix(domain, "."), ".")
	if len(labels) < min {
		return false
	}
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' {
				return false
			}
		}
	}
	return strings.ContainsFunc(labels[len(labels)-1], func(r rune) bool { return !unicode.IsDigit(r) })
}

// nameAround is the display name that text gives beside the address token:
// text without the token, anything in <…>, quotes and brackets, or "" when
// that is not a clean name.
func nameAround(text, token string) string {
	var b strings.Builder
	angle := 0
	for _, r := range strings.Replace(text, token, " ", 1) {
		switch {
		case r == '<':
			angle++
		case r == '>' && angle > 0:
			angle--
		case angle > 0:
		case strings.ContainsRune(`"()[]\`, r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return cleanName(strings.Trim(strings.Join(strings.Fields(b.String()), " "), " ,;:-"))
}

// NoReply reports whether addr says that nobody reads it: its local part,
// in any case, with its separators and any +tag left out, holds noreply,
// donotreply, dontreply or donotrespond (noreply@, no-reply@, no_reply@,
// Do-Not-Reply@, noreply+forms@, forms-noreply@).
func NoReply(addr string) bool {
	local := addr
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		local = addr[:at]
	}
	local, _, _ = strings.Cut(strings.ToLower(local), "+")
	compact := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, local)
	for _, w := range []string{"noreply", "donotreply", "dontreply", "donotrespond"} {
		if strings.Contains(compact, w) {
			return true
		}
	}
	return false
}

// answerable reports whether an answer may go to a: it is on a host name
// or an address literal, and not a no-reply address nor a mail system's.
func answerable(a Address) bool {
	at := strings.LastIndexByte(a.Address, '@')
	if at < 0 || NoReply(a.Address) || isDaemon(Address{Address: a.Address}) {
		return false
	}
	domain := a.Address[at+1:]
	return strings.HasPrefix(domain, "[") || isHostName(domain, 1)
}

// chooseReply picks the address a mail client's Reply would use, among
// what the letter's Reply-To, From and Sender fields hold: Reply-To's
// first answerable mailbox (as written or in encoded words), else From's
// (as written, in encoded words, then in its display name), else Sender's,
// else an address in Reply-To's display name.
func chooseReply(replyTo, from, sender []found) (Address, ReplyHeader) {
	type field struct {
		name  string
		list  []found
		names bool // only the addresses found in display names
	}
	for _, f := range []field{{"reply-to", replyTo, false}, {"from", from, false}, {"from", from, true},
		{"sender", sender, false}, {"reply-to", replyTo, true}} {
		for _, a := range f.list {
			if (a.how == displayName) != f.names || !answerable(a.Address) {
				continue
			}
			return a.Address, replyHeaderOf(f.name, a.how)
		}
	}
	return Address{}, ReplyNone
}

// replyHeaderOf names field read as how.
func replyHeaderOf(field string, how reading) ReplyHeader {
	switch how {
	case encodedWords:
		return ReplyHeader(field + "-encoded-word")
	case displayName:
		return ReplyHeader(field + "-display-name")
	}
	return ReplyHeader(field)
}

// addresses returns the addresses of list read as written or from encoded
// words, not those found in display names.
func addresses(list []found) []Address {
	var out []Address
	for _, a := range list {
		if a.how != displayName {
			out = append(out, a.Address)
		}
	}
	return out
}
