package mailparse

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Parse reads one message (RFC 5322, MIME) from raw. lim bounds the work;
// nil means DefaultLimits. Parse accepts any bytes, never panics and keeps
// its memory proportional to len(raw).
//
// It returns:
//   - (letter, nil) for a message read without trouble;
//   - (letter, error wrapping ErrDamaged) for a malformed message that was
//     read as far as it goes, or whose text was cut at lim.MaxTextBytes;
//   - (letter, error wrapping ErrNoHeader) when raw has no header: the
//     letter's Text is raw decoded as text, cut at lim.MaxTextBytes;
//   - (letter, error wrapping ErrRefused) when raw exceeds lim.MaxHeaderBytes,
//     lim.MaxDepth or lim.MaxParts: the letter has only what its header
//     says (sender, subject, identifiers, dates, and whether it is
//     automatic mail), no text and no parts, so that a refused letter is
//     still filed, threaded and, when it is automatic, never answered.
//
// The letter is never nil and always worth storing. Parse is safe for
// concurrent use.
func Parse(raw []byte, lim *Limits) (*Letter, error) {
	raw = fixBareCR(raw)
	// QUIRK: messages saved by Windows tools may start with a UTF-8 BOM.
	raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
	return parseSource(memSource(raw), lim)
}

// headerCharset guesses the charset of the raw 8-bit bytes in a header, ""
// when there are none. It serves as a hint for undeclared bodies, which
// are usually in the same charset.
func headerCharset(h header) string {
	var b []byte
	for _, f := range h {
		if !utf8.ValidString(f.value) {
			b = append(append(b, f.value...), ' ')
		}
	}
	if b == nil {
		return ""
	}
	return sniff(b, "")
}

// inlineMessageID finds the first "Message-ID:" line in the text of a
// bounce.
//
// QUIRK: Exim and qmail copy the returned message into the text of the
// bounce instead of attaching it (RFC 3464).
func inlineMessageID(text string) string {
	for line := range strings.SplitSeq(text, "\n") {
		if hasPrefixFold(strings.TrimSpace(line), "message-id:") {
			if ids := parseMsgIDs(strings.TrimSpace(line)[len("message-id:"):]); len(ids) > 0 {
				return ids[0]
			}
		}
	}
	return ""
}

// errInternal marks a recovered panic, a bug in this package.
var errInternal = errors.New("internal error")

// damage joins defects into one error wrapping ErrDamaged.
func damage(defects []string) error {
	if len(defects) == 0 {
		return nil
	}
	const show = 10
	msg := strings.Join(defects[:min(len(defects), show)], "; ")
	if len(defects) > show {
		msg += fmt.Sprintf("; and %d more", len(defects)-show)
	}
	return fmt.Errorf("%w: %s", ErrDamaged, msg)
}

// readFields decodes the header fields of a letter.
func readFields(l *Letter, h header, hint string) {
	from := readAddressField(h.get("From"), hint)
	sender := readAddressField(h.get("Sender"), hint)
	replyTo := readAddressField(h.get("Reply-To"), hint)
	if len(from) > 0 {
		l.From = from[0].Address
	} else if s := addresses(sender); len(s) > 0 {
		l.From = s[0]
	}
	l.ReplyTo = addresses(replyTo)
	l.Reply, l.ReplyHeader = chooseReply(replyTo, from, sender)
	for _, key := range []string{"To", "Cc"} {
		for _, v := range h.all(key) {
			l.To = append(l.To, parseAddressList(v, hint)...)
		}
	}
	l.ReturnPath = parseReturnPath(h.get("Return-Path"))
	l.Subject = decodeText(h.get("Subject"), hint)
	l.Date = parseDate(h.get("Date"))
	l.MessageID = h.messageID()
	l.InReplyTo = parseMsgIDs(h.get("In-Reply-To"))
	l.References = parseMsgIDs(h.get("References"))
}

// headerLetter is the Letter of a refused message: what its header says.
func headerLetter(h header) *Letter {
	l := &Letter{}
	hint := headerCharset(h)
	readFields(l, h, hint)
	l.Auto = detectAuto(h, l.Subject, l.From, nil)
	return l
}

// rawLetter is the Letter of bytes that have no header: all of it is text.
func rawLetter(raw []byte, lim Limits) *Letter {
	cut := raw[:min(len(raw), lim.MaxTextBytes)]
	text := cutUTF8(normalizeNewlines(decodeGuess(cut, "")), lim.MaxTextBytes)
	sp := splitQuote(text)
	return &Letter{Text: text, Description: sp.desc, Quoted: sp.quoted, Signature: sp.sig}
}

// fixBareCR turns a message that breaks lines with CR alone into one with
// LF.
//
// QUIRK: classic Mac OS mailers and some exports use CR line breaks.
func fixBareCR(raw []byte) []byte {
	if bytes.IndexByte(raw, '\n') >= 0 || bytes.IndexByte(raw, '\r') < 0 {
		return raw
	}
	return bytes.ReplaceAll(raw, []byte("\r"), []byte("\n"))
}
