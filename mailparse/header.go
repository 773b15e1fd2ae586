package mailparse

import (
	"bytes"
	"fmt"
	"strings"
)

// field is one header field with its value unfolded but not decoded: the
// value may still hold encoded words or raw 8-bit bytes.
type field struct {
	name  string
	value string
}

// header is a header block in the order it was written.
type header []field

// get returns the first value of the named field, "" when there is none.
func (h header) get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			return f.value
		}
	}
	return ""
}

// has reports whether the named field is present, even if empty.
func (h header) has(name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			return true
		}
	}
	return false
}

// all returns every value of the named field.
func (h header) all(name string) []string {
	var vs []string
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			vs = append(vs, f.value)
		}
	}
	return vs
}

// known reports whether any field of h is one that messages carry.
func (h header) known() bool {
	for _, f := range h {
		switch n := strings.ToLower(f.name); {
		case strings.HasPrefix(n, "x-"), strings.HasPrefix(n, "content-"), strings.HasPrefix(n, "list-"):
			return true
		default:
			switch n {
			case "from", "to", "cc", "bcc", "subject", "date", "message-id", "received", "return-path",
				"mime-version", "reply-to", "sender", "in-reply-to", "references", "delivered-to":
				return true
			}
		}
	}
	return false
}

// messageID returns the first id in the Message-ID field, "" when there is
// none.
func (h header) messageID() string {
	if ids := parseMsgIDs(h.get("Message-ID")); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// readHeader splits raw into its header block and body. It is more tolerant
// than textproto.ReadHeader: a line that is not a field is skipped when more
// fields follow it and otherwise ends the header, and a missing blank line is
// forgiven. Defects are appended to *defects. It returns errNoHeaderLine
// when the first line is not a field, and an error wrapping ErrRefused when the
// header block is longer than max bytes.
func readHeader(raw []byte, max int, defects *[]string) (header, []byte, error) {
	h, at, err, _ := readHeaderIn(raw, true, max, defects)
	if err != nil {
		return nil, nil, err
	}
	if at < 0 {
		return h, nil, nil
	}
	return h, raw[at:], nil
}

// readHeaderIn is readHeader over raw, the whole input when complete,
// else only its start. The body begins at raw[at:], or is nil when at is
// -1. short reports that raw was not enough to know: the caller must call
// again with more of the input (nothing else is returned then).
func readHeaderIn(raw []byte, complete bool, max int, defects *[]string) (h header, at int, err error, short bool) {
	var cur []byte // value of the field being read, h[len(h)-1]
	finish := func() {
		if len(h) > 0 {
			h[len(h)-1].value = string(cur)
		}
	}
	// cut reports whether the line that ends at e, found by lineEnd,
	// may go on past raw.
	cut := func(e int) bool {
		return !complete && e == len(raw) && (e == 0 || raw[e-1] != '\n')
	}
	pos := 0

	// QUIRK: mbox files and some exporters keep the "From sender date"
	// envelope line (RFC 4155) in front of the header.
	if !complete && len(raw) < len("From ") {
		return nil, 0, nil, true
	}
	if bytes.HasPrefix(raw, []byte("From ")) {
		pos = lineEnd(raw, 0)
		if cut(pos) {
			return nil, 0, nil, true
		}
	}
	for pos < len(raw) {
		end := lineEnd(raw, pos)
		line := trimEOL(raw[pos:end])
		if cut(end) {
			// The line goes on past raw: it is not blank, and when
			// it starts a field or follows one, it is too long.
			if len(line) > 0 && end > max && (len(h) > 0 || isFieldLine(line)) {
				return nil, 0, fmt.Errorf("%w: header longer than %d bytes", ErrRefused, max), false
			}
			return nil, 0, nil, true
		}
		if len(line) == 0 {
			finish()
			return h, end, nil, false
		}
		if len(h) == 0 && !isFieldLine(line) {
			return nil, 0, errNoHeaderLine, false
		}
		if end > max {
			return nil, 0, fmt.Errorf("%w: header longer than %d bytes", ErrRefused, max), false
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) > 0 {
				cur = unfold(cur, line)
				pos = end
				continue
			}
			// QUIRK: some generators indent the very first field.
			line = bytes.TrimLeft(line, " \t")
		}
		name, value, ok := splitField(line)
		if !ok {
			// QUIRK: a line that is not a field (a name with spaces, a
			// stray word) is skipped with its continuation lines when
			// a field follows. Lines with a colon are broken fields:
			// they are skipped in a run, and also when the header ends
			// after them.
			colon := bytes.IndexByte(line, ':') > 0
			next := end
			var after []byte
			for {
				for next < len(raw) && (raw[next] == ' ' || raw[next] == '\t') {
					if next = lineEnd(raw, next); cut(next) {
						return nil, 0, nil, true
					}
				}
				if !complete && next == len(raw) {
					return nil, 0, nil, true
				}
				e := lineEnd(raw, next)
				if cut(e) {
					return nil, 0, nil, true
				}
				after = trimEOL(raw[next:e])
				if !colon || len(after) == 0 || isFieldLine(after) || bytes.IndexByte(after, ':') <= 0 {
					break
				}
				next = e
			}
			if next < len(raw) && (isFieldLine(after) || len(after) == 0 && colon) {
				*defects = append(*defects, fmt.Sprintf("header: skipped a line that is not a field: %.40q", line))
				pos = next
				continue
			}
			// QUIRK: no blank line between header and body; the body
			// starts at the first line that is not a field. Unless no
			// field is one mail has: then text that began "Re: …"
			// was taken for a header.
			if !h.known() {
				return nil, 0, errNoHeaderLine, false
			}
			*defects = append(*defects, "header: no blank line before the body")
			finish()
			return h, pos, nil, false
		}
		finish()
		h = append(h, field{name: string(name)})
		cur = append(cur[:0], value...)
		pos = end
	}
	if !complete {
		return nil, 0, nil, true
	}
	finish()
	return h, -1, nil, false
}

// errNoHeaderLine is readHeader's report that the input has no header at all.
var errNoHeaderLine = fmt.Errorf("%w: the first line is not a header field", ErrNoHeader)

// isFieldLine reports whether line starts a header field, perhaps after
// white space.
func isFieldLine(line []byte) bool {
	_, _, ok := splitField(bytes.TrimLeft(line, " \t"))
	return ok
}

// splitField splits "Name: value". The name is RFC 5322 ftext (printable
// US-ASCII but colon); white space before the colon is obsolete syntax
// (RFC 5322 section 4.5) and allowed.
func splitField(line []byte) (name, value []byte, ok bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, nil, false
	}
	name = bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return nil, nil, false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return nil, nil, false
		}
	}
	return name, bytes.Trim(line[colon+1:], " \t"), true
}

// unfold appends a continuation line to a field value (RFC 5322 section
// 2.2.3): the line break goes, the white space that began the line stays as
// one space.
func unfold(value, cont []byte) []byte {
	cont = bytes.Trim(cont, " \t")
	if len(cont) == 0 {
		return value
	}
	if len(value) > 0 {
		value = append(value, ' ')
	}
	return append(value, cont...)
}

// lineEnd returns the index just past the line that starts at pos,
// including its LF.
func lineEnd(b []byte, pos int) int {
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		return len(b)
	}
	return pos + i + 1
}

// trimEOL removes a trailing LF or CRLF.
func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}
