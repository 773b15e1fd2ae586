package attachments

import (
	"bytes"
	"errors"
	"strconv"
)

// maxPDFDepth bounds the nesting of PDF arrays and dictionaries.
const maxPDFDepth = 64

var errPDFDepth = errors.New("attachments: pdf: arrays or dictionaries nested too deep")

// pdfTokKind is the kind of a PDF token (ISO 32000-1, 7.2 and 7.3).
type pdfTokKind uint8

const (
	pdfEOF pdfTokKind = iota
	pdfName
	pdfNumber
	pdfString
	pdfDictOpen
	pdfDictClose
	pdfArrayOpen
	pdfArrayClose
	pdfKeyword // obj, endobj, stream, R, true, null and any other run
	pdfStray   // a delimiter out of place: ) { }
)

type pdfToken struct {
	kind pdfTokKind
	val  []byte // the decoded name, the number or keyword text
}

// pdfLexer reads tokens from b, starting at pos. Every name it reads, in
// any position, is handed to seen.
type pdfLexer struct {
	b    []byte
	pos  int
	seen func(name []byte)
}

func pdfWhite(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func pdfDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func pdfRegular(c byte) bool { return !pdfWhite(c) && !pdfDelim(c) }

// next returns the next token; comments and white space are skipped.
func (l *pdfLexer) next() pdfToken {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if pdfWhite(c) {
			l.pos++
			continue
		}
		if c != '%' {
			break
		}
		for l.pos < len(l.b) && l.b[l.pos] != '\r' && l.b[l.pos] != '\n' {
			l.pos++
		}
	}
	if l.pos >= len(l.b) {
		return pdfToken{kind: pdfEOF}
	}
	start := l.pos
	c := l.b[l.pos]
	l.pos++
	switch c {
	case '/':
		for l.pos < len(l.b) && pdfRegular(l.b[l.pos]) {
			l.pos++
		}
		name := pdfDecodeName(l.b[start+1 : l.pos])
		if l.seen != nil {
			l.seen(name)
		}
		return pdfToken{kind: pdfName, val: name}
	case '(':
		l.skipLiteral()
		return pdfToken{kind: pdfString}
	case '<':
		if l.pos < len(l.b) && l.b[l.pos] == '<' {
			l.pos++
			return pdfToken{kind: pdfDictOpen}
		}
		if i := bytes.IndexByte(l.b[l.pos:], '>'); i >= 0 {
			l.pos += i + 1
		} else {
			l.pos = len(l.b)
		}
		return pdfToken{kind: pdfString}
	case '>':
		if l.pos < len(l.b) && l.b[l.pos] == '>' {
			l.pos++
			return pdfToken{kind: pdfDictClose}
		}
		return pdfToken{kind: pdfStray}
	case '[':
		return pdfToken{kind: pdfArrayOpen}
	case ']':
		return pdfToken{kind: pdfArrayClose}
	case ')', '{', '}':
		return pdfToken{kind: pdfStray}
	}
	for l.pos < len(l.b) && pdfRegular(l.b[l.pos]) {
		l.pos++
	}
	v := l.b[start:l.pos]
	if pdfNumeric(v) {
		return pdfToken{kind: pdfNumber, val: v}
	}
	return pdfToken{kind: pdfKeyword, val: v}
}

// skipLiteral skips a literal string after its "(": parentheses nest and a
// backslash escapes the next byte. An unterminated string ends the input.
func (l *pdfLexer) skipLiteral() {
	depth := 1
	for l.pos < len(l.b) {
		switch l.b[l.pos] {
		case '\\':
			l.pos++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				l.pos++
				return
			}
		}
		l.pos++
	}
	l.pos = min(l.pos, len(l.b))
}

// pdfNumeric reports whether a regular run is a number: sign, digits, one
// dot.
func pdfNumeric(v []byte) bool {
	digits, dots := 0, 0
	for i, c := range v {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		case (c == '+' || c == '-') && i == 0:
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// pdfDecodeName decodes the #xx escapes of a name (ISO 32000-1, 7.3.5):
// /J#61vaScript is /JavaScript.
func pdfDecodeName(raw []byte) []byte {
	if bytes.IndexByte(raw, '#') < 0 {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) {
			hi, ok1 := unhex(raw[i+1])
			lo, ok2 := unhex(raw[i+2])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, raw[i])
	}
	return out
}

// pdfDict is what the scan needs of a dictionary.
type pdfDict struct {
	typ         string   // /Type
	length      int64    // /Length when direct, else -1
	filters     []string // /Filter
	decodeParms bool     // /DecodeParms present
	n, first    int64    // /N and /First of an object stream, else -1
}

// dict reads a dictionary after its "<<". A dictionary cut short by the
// end of the input is returned as far as it was read.
func (l *pdfLexer) dict(depth int) (*pdfDict, error) {
	if depth > maxPDFDepth {
		return nil, errPDFDepth
	}
	d := &pdfDict{length: -1, n: -1, first: -1}
	for {
		k := l.next()
		switch k.kind {
		case pdfEOF, pdfDictClose:
			return d, nil
		case pdfName:
		default:
			if err := l.skip(k, depth); err != nil {
				return nil, err
			}
			continue
		}
		v := l.next()
		if v.kind == pdfEOF || v.kind == pdfDictClose {
			return d, nil
		}
		switch string(k.val) {
		case "Type":
			if v.kind == pdfName {
				d.typ = string(v.val)
			}
		case "Length":
			d.length = l.direct(v)
		case "N":
			d.n = l.direct(v)
		case "First":
			d.first = l.direct(v)
		case "DecodeParms":
			d.decodeParms = !(v.kind == pdfKeyword && string(v.val) == "null")
		case "Filter":
			switch v.kind {
			case pdfName:
				d.filters = []string{string(v.val)}
			case pdfArrayOpen:
				if err := l.filterArray(d, depth+1); err != nil {
					return nil, err
				}
				continue
			default:
				d.filters = []string{"?"} // an indirect filter
			}
		}
		if err := l.skip(v, depth); err != nil {
			return nil, err
		}
	}
}

// direct returns the value of an integer token that is not the start of
// an indirect reference "N G R", and -1 otherwise.
func (l *pdfLexer) direct(t pdfToken) int64 {
	if t.kind != pdfNumber {
		return -1
	}
	n, err := strconv.ParseInt(string(t.val), 10, 64)
	save := l.pos
	if g := l.next(); g.kind == pdfNumber {
		if r := l.next(); r.kind == pdfKeyword && string(r.val) == "R" {
			return -1
		}
	}
	l.pos = save
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// skip reads past the rest of a value whose first token is t.
func (l *pdfLexer) skip(t pdfToken, depth int) error {
	switch t.kind {
	case pdfDictOpen:
		_, err := l.dict(depth + 1)
		return err
	case pdfArrayOpen:
		if depth+1 > maxPDFDepth {
			return errPDFDepth
		}
		for {
			e := l.next()
			if e.kind == pdfEOF || e.kind == pdfArrayClose {
				return nil
			}
			if err := l.skip(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// filterArray reads the names of a /Filter array after its "[". Anything
// but a name is recorded as "?", a filter the scan cannot apply.
func (l *pdfLexer) filterArray(d *pdfDict, depth int) error {
	if depth > maxPDFDepth {
		return errPDFDepth
	}
	for {
		f := l.next()
		switch f.kind {
		case pdfEOF, pdfArrayClose:
			return nil
		case pdfName:
			d.filters = append(d.filters, string(f.val))
		default:
			d.filters = append(d.filters, "?")
			if err := l.skip(f, depth); err != nil {
				return err
			}
		}
	}
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
