package mailparse

import (
	"encoding/base64"
	"fmt"
	"io"
)

// Transfer encodings as lazyBody decodes them.
type encoding int

const (
	encIdentity encoding = iota // the bytes as they are
	encBase64                   // decodeBase64, when it does not keep the bytes as they are
	encQP                       // decodeQP
	encUU                       // decodeUU
)

// lazyBody is a part's content left in the source of ParseAt: Open decodes
// it as it reads.
type lazyBody struct {
	b    body
	enc  encoding
	size int64 // decoded size
}

// open returns a new reader of the decoded content.
func (lb *lazyBody) open() io.Reader {
	s := newScanner(lb.b)
	switch lb.enc {
	case encBase64:
		return &base64Reader{s: s}
	case encQP:
		return &qpReader{s: s}
	case encUU:
		return &uuReader{s: s}
	}
	return &identityReader{s: s}
}

// measure finds how e's body is to be decoded, and its decoded size, by
// reading it once; damage goes to the defects of the part at p when
// record is set. It is decodeTransfer for bodies that are not in memory.
func (w *walker) measure(e entity, p string, record bool) *lazyBody {
	cte := e.h.get("Content-Transfer-Encoding")
	lb := &lazyBody{b: e.body, enc: encIdentity, size: e.body.n}
	var defect string
	switch transferName(cte) {
	case "base64":
		s := newScanner(e.body)
		junk, n, size := countBase64(s)
		w.scanned(s)
		if junk*4 > n {
			defect = "base64 label on data that is not base64, kept as is"
			break
		}
		lb.enc, lb.size = encBase64, size
		if junk > 0 {
			defect = fmt.Sprintf("base64: skipped %d bytes of junk", junk)
		}
	case "quoted-printable":
		lb.enc = encQP
		lb.size = w.count(lb)
	case "", "7bit", "8bit", "binary":
	case "x-uuencode", "uuencode", "x-uue":
		lb.enc = encUU
		lb.size = w.count(lb)
	default:
		defect = fmt.Sprintf("unknown transfer encoding %.40q kept as is", cte)
	}
	if record && defect != "" {
		w.defect(p, "%s", defect)
	}
	return lb
}

// count reads lb through and returns its decoded size.
func (w *walker) count(lb *lazyBody) int64 {
	n, err := io.Copy(io.Discard, lb.open())
	w.failed(err)
	return n
}

// countBase64 is the first pass of decodeBase64: the junk, the bytes that
// are not white space and the decoded size.
func countBase64(s *scanner) (junk, n int, size int64) {
	var c base64Count
	for pos := int64(0); pos < s.b.n; {
		win := s.at(pos, 1)
		if len(win) == 0 {
			break
		}
		c.add(win)
		pos += int64(len(win))
	}
	return c.end()
}

// identityReader reads a body as it is.
type identityReader struct {
	s   *scanner
	pos int64
}

func (r *identityReader) Read(p []byte) (int, error) {
	if r.pos >= r.s.b.n {
		return 0, io.EOF
	}
	win := r.s.at(r.pos, 1)
	if len(win) == 0 {
		return 0, r.s.err
	}
	n := copy(p, win)
	r.pos += int64(n)
	return n, nil
}

// base64Reader is the second pass of decodeBase64, as a reader.
type base64Reader struct {
	s    *scanner
	pos  int64
	quad [4]byte
	q    int
	out  [3]byte
	o, m int // out[o:m] is decoded and not yet read
	done bool
}

func (r *base64Reader) Read(p []byte) (int, error) {
	k := 0
	for k < len(p) {
		if r.o < r.m {
			c := copy(p[k:], r.out[r.o:r.m])
			r.o += c
			k += c
			continue
		}
		if r.done {
			break
		}
		if r.pos >= r.s.b.n {
			r.flush()
			r.done = true
			continue
		}
		win := r.s.at(r.pos, 1)
		if len(win) == 0 {
			return k, r.s.err
		}
		// Consume input until a quad is decoded or the window ends.
		i := 0
		for i < len(win) && r.o == r.m {
			c := win[i]
			i++
			switch {
			case b64Value[c] != 0xff:
				r.quad[r.q] = c
				if r.q++; r.q == 4 {
					r.flush()
				}
			case c == '=':
				r.flush()
			}
		}
		r.pos += int64(i)
	}
	if k == 0 && r.done {
		return 0, io.EOF
	}
	return k, nil
}

// flush decodes the characters of a quad; a lone one is dropped.
func (r *base64Reader) flush() {
	if r.q > 1 {
		m, _ := base64.RawStdEncoding.Decode(r.out[:], r.quad[:r.q])
		r.o, r.m = 0, m
	}
	r.q = 0
}

// qpReader is decodeQP as a reader.
type qpReader struct {
	s        *scanner
	i        int64
	ws0, ws1 int64 // white space [ws0, ws1) of the input still to copy
	done     bool
}

func (r *qpReader) Read(p []byte) (int, error) {
	s, n := r.s, r.s.b.n
	k := 0
	for k < len(p) && s.err == nil {
		if r.ws0 < r.ws1 {
			p[k] = s.byteAt(r.ws0)
			r.ws0++
			k++
			continue
		}
		if r.i >= n {
			r.done = true
			break
		}
		i := r.i
		c := s.byteAt(i)
		switch {
		case c == '=':
			if i+2 < n && isHex(s.byteAt(i+1)) && isHex(s.byteAt(i+2)) {
				p[k] = unhex(s.byteAt(i+1))<<4 | unhex(s.byteAt(i+2))
				k++
				r.i = i + 3
				continue
			}
			// Soft line break, perhaps with padding before the EOL.
			j := i + 1
			for j < n && (s.byteAt(j) == ' ' || s.byteAt(j) == '\t') {
				j++
			}
			if j == n {
				r.i = n
				continue
			}
			if s.byteAt(j) == '\n' {
				r.i = j + 1
				continue
			}
			if s.byteAt(j) == '\r' && j+1 < n && s.byteAt(j+1) == '\n' {
				r.i = j + 2
				continue
			}
			p[k] = c
			k++
			r.i = i + 1
		case c == ' ' || c == '\t':
			j := i + 1
			for j < n && (s.byteAt(j) == ' ' || s.byteAt(j) == '\t') {
				j++
			}
			r.i = j
			if j == n || s.byteAt(j) == '\n' || s.byteAt(j) == '\r' {
				continue
			}
			r.ws0, r.ws1 = i, j
		default:
			p[k] = c
			k++
			r.i = i + 1
		}
	}
	if s.err != nil {
		return k, s.err
	}
	if k == 0 && r.done {
		return 0, io.EOF
	}
	return k, nil
}

// uuLine is the longest line uuReader hands to the line functions whole;
// a longer one is checked in windows (see uuReader.line).
const uuLine = 4096

// uuReader is decodeUU as a reader: line by line.
type uuReader struct {
	s    *scanner
	pos  int64
	out  []byte // decoded and not yet read
	done bool
}

func (r *uuReader) Read(p []byte) (int, error) {
	k := 0
	for k < len(p) {
		if len(r.out) > 0 {
			c := copy(p[k:], r.out)
			r.out = r.out[c:]
			k += c
			continue
		}
		if r.pos >= r.s.b.n {
			r.done = true
			break
		}
		end := r.s.lineEnd(r.pos)
		t := end
		if t > r.pos && r.s.byteAt(t-1) == '\n' {
			t--
		}
		r.out = r.line(r.pos, t)
		r.pos = end
		if r.s.err != nil {
			return k, r.s.err
		}
	}
	if k == 0 && r.done {
		return 0, io.EOF
	}
	return k, nil
}

// line decodes the line [from, to) as decodeUU does.
func (r *uuReader) line(from, to int64) []byte {
	s := r.s
	t := s.trimRightFrom(from, to, " \r")
	if t-from <= uuLine {
		b := s.at(from, int(t-from))
		if len(b) < int(t-from) {
			return nil
		}
		l := string(b[:t-from])
		if _, ok := uuBegin(l); ok || l == "end" || l == "" {
			return nil
		}
		data, _ := uuDecodeLine(l)
		return data
	}
	// A long line decodes to at most 63 bytes, taken
	// from its first 85 characters, and is good when every character is
	// in range. Its first 89 characters and one more in range stand for
	// it in uuBegin and uuDecodeLine.
	b := s.at(from, 89)
	if len(b) < 89 {
		return nil
	}
	head := string(b[:89])
	if _, ok := uuBegin(head + "X"); ok {
		return nil
	}
	for pos := from + 1; pos < t; {
		win := s.at(pos, 1)
		if len(win) == 0 {
			return nil
		}
		win = win[:min(int64(len(win)), t-pos)]
		for _, c := range win {
			if c < ' ' || c > '`' {
				return nil
			}
		}
		pos += int64(len(win))
	}
	data, _ := uuDecodeLine(head + "X")
	return data
}
