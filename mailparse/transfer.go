package mailparse

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// b64Value maps a byte to its value in the base64 alphabet, 0xff outside it.
var b64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// decodeTransfer undoes a Content-Transfer-Encoding. Unlike go-message, which
// stops at the first bad byte, it decodes what it can and describes the
// damage in defect ("" when there was none).
func decodeTransfer(cte string, b []byte) (out []byte, defect string) {
	switch transferName(cte) {
	case "base64":
		out, junk, n := decodeBase64(b)
		if junk*4 > n {
			// QUIRK: text labelled base64 that is not, from
			// hand-made messages and broken gateways.
			return b, "base64 label on data that is not base64, kept as is"
		}
		if junk > 0 {
			defect = fmt.Sprintf("base64: skipped %d bytes of junk", junk)
		}
		return out, defect
	case "quoted-printable":
		return decodeQP(b), ""
	case "", "7bit", "8bit", "binary":
		return b, ""
	case "x-uuencode", "uuencode", "x-uue":
		return decodeUU(b), ""
	default:
		// QUIRK: x-gzip64 and made-up names: keep the bytes.
		return b, fmt.Sprintf("unknown transfer encoding %.40q kept as is", cte)
	}
}

// transferName normalises a Content-Transfer-Encoding value.
//
// QUIRK: values come in any case, quoted, with comments or with parameters
// ("base64; charset=utf-8").
func transferName(cte string) string {
	cte = strings.ToLower(strings.Trim(cte, " \t\""))
	if i := strings.IndexAny(cte, " \t;("); i >= 0 {
		cte = cte[:i]
	}
	switch cte {
	case "quoted_printable", "qp", "quotedprintable":
		return "quoted-printable"
	case "base-64":
		return "base64"
	}
	return cte
}

// decodeBase64 decodes a base64 body leniently: characters outside the
// alphabet are skipped (line breaks and white space silently, anything else
// counted as junk), missing padding is forgiven, and data after padding is
// decoded as a new run. n is the number of bytes that are not white space.
//
// It reads b twice, first to count, so that out is allocated once at its
// exact size and no cleaned copy of b is made: the bodies of attachments
// are most of a large letter.
//
// QUIRK: bodies concatenated from several base64 runs each with its own
// padding come from some list servers and from hand-made forwards.
func decodeBase64(b []byte) (out []byte, junk, n int) {
	var c base64Count
	c.add(b)
	junk, n, size := c.end()
	out = make([]byte, 0, int(size))
	var quad [4]byte
	q := 0
	flush := func() {
		// A lone character left over is dropped, as counted above.
		if q > 1 {
			m, _ := base64.RawStdEncoding.Decode(out[len(out):len(out)+base64.RawStdEncoding.DecodedLen(q)], quad[:q])
			out = out[:len(out)+m]
		}
		q = 0
	}
	for _, c := range b {
		switch {
		case b64Value[c] != 0xff:
			quad[q] = c
			if q++; q == 4 {
				flush()
			}
		case c == '=':
			flush()
		}
	}
	flush()
	return out, junk, n
}

// decodeQP decodes quoted-printable (RFC 2045 section 6.7) leniently: an '='
// not followed by two hex digits or a line break is kept, lower-case hex is
// accepted, and white space at the end of a line is dropped.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '=':
			if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
				out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
				i += 2
				continue
			}
			// Soft line break, perhaps with padding before the EOL.
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
				j++
			}
			if j == len(b) {
				i = j
				continue
			}
			if b[j] == '\n' || b[j] == '\r' && j+1 < len(b) && b[j+1] == '\n' {
				i = lineEnd(b, j) - 1
				continue
			}
			out = append(out, c)
		case c == ' ' || c == '\t':
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
				j++
			}
			if j == len(b) || b[j] == '\n' || b[j] == '\r' {
				i = j - 1
				continue
			}
			out = append(out, b[i:j]...)
			i = j - 1
		default:
			out = append(out, c)
		}
	}
	return out
}

// base64Count is the first pass of a lenient base64 decoding (see
// decodeBase64), over a body given in one or more slices, in order.
type base64Count struct {
	run, junk, n int
	size         int64
}

// add counts the bytes of b.
func (c *base64Count) add(b []byte) {
	for _, ch := range b {
		switch {
		case b64Value[ch] != 0xff:
			c.run++
			c.n++
		case ch == '=':
			c.endRun()
			c.n++
		case ch == '\r', ch == '\n', ch == ' ', ch == '\t':
		default:
			c.junk++
			c.n++
		}
	}
}

// endRun ends a run of base64 characters at padding or at the end: a lone
// character left over is junk.
func (c *base64Count) endRun() {
	if c.run%4 == 1 {
		c.run--
		c.junk++
	}
	c.size += int64(base64.RawStdEncoding.DecodedLen(c.run))
	c.run = 0
}

// end ends the count: the junk, the bytes that are not white space and
// the decoded size.
func (c *base64Count) end() (junk, n int, size int64) {
	c.endRun()
	return c.junk, c.n, c.size
}
