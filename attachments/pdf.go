package attachments

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

var (
	errNoEOF   = errors.New("attachments: pdf: no %%EOF marker")
	errNoPages = errors.New("attachments: pdf: no page object")
)

// pdfInfo is what scanPDF found.
type pdfInfo struct {
	end        int    // offset after the last %%EOF
	pages      int    // distinct objects whose last definition is /Type /Page
	encrypted  bool   // /Encrypt seen
	javascript string // the first name of active content seen, "/JS"
	embedded   string // the first name of an embedded file seen
}

// pdfScan is the state of one scanPDF.
type pdfScan struct {
	info        pdfInfo
	pages       map[int64]bool
	streams     []pdfStream // object streams, read after the top level
	inflateLeft int64
}

// pdfStream is an object stream found at the top level.
type pdfStream struct {
	dict *pdfDict
	data []byte
}

// scanPDF reads a PDF as the package doc describes. It returns what it
// found and, when the file is damaged, an error; the facts found before
// the damage are still returned.
func scanPDF(ctx context.Context, b []byte, inflateLimit int64) (pdfInfo, error) {
	s := &pdfScan{pages: make(map[int64]bool), inflateLeft: inflateLimit}
	eof := bytes.LastIndex(b, []byte("%%EOF"))
	if eof < 0 {
		return s.info, errNoEOF
	}
	s.info.end = eof + len("%%EOF")
	err := s.scan(ctx, b)
	s.countPages()
	if err == nil && s.info.pages == 0 && !s.info.encrypted {
		err = errNoPages
	}
	return s.info, err
}

// scan reads the top level, then the object streams.
func (s *pdfScan) scan(ctx context.Context, b []byte) error {
	from, num := 0, int64(-1)
	for i, h := range pdfObjectHeaders(b) {
		if i%256 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := s.region(b[:h.start], from, num, true); err != nil {
			return err
		}
		from, num = h.body, h.num
	}
	if err := s.region(b, from, num, true); err != nil {
		return err
	}
	if s.info.encrypted {
		return nil // the object streams are ciphertext
	}
	for _, st := range s.streams {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := s.objectStream(st); err != nil {
			return err
		}
	}
	return nil
}

func (s *pdfScan) countPages() {
	s.info.pages = 0
	for _, page := range s.pages {
		if page {
			s.info.pages++
		}
	}
}

// seen checks every name the lexer reads.
func (s *pdfScan) seen(name []byte) {
	switch string(name) {
	case "Encrypt":
		s.info.encrypted = true
	case "JavaScript", "JS", "Launch", "XFA":
		if s.info.javascript == "" {
			s.info.javascript = "/" + string(name)
		}
	case "EmbeddedFile", "EmbeddedFiles", "EF", "FileAttachment", "RichMedia", "GoToE":
		if s.info.embedded == "" {
			s.info.embedded = "/" + string(name)
		}
	}
}

// region reads the objects in b from offset from on. num is the number of
// the object whose header ends at from, -1 for none. At the top level a
// stream is skipped and object streams are kept for later.
func (s *pdfScan) region(b []byte, from int, num int64, top bool) error {
	if num >= 0 {
		s.pages[num] = false // a later definition replaces an earlier one
	}
	l := pdfLexer{b: b, pos: from, seen: s.seen}
	for {
		t := l.next()
		switch t.kind {
		case pdfEOF:
			return nil
		case pdfDictOpen:
			d, err := l.dict(1)
			if err != nil {
				return err
			}
			if d.typ == "Page" && num >= 0 {
				s.pages[num] = true
			}
			save := l.pos
			if k := l.next(); k.kind != pdfKeyword || string(k.val) != "stream" {
				l.pos = save
				continue
			}
			data, next := pdfStreamData(b, l.pos, d.length)
			l.pos = next
			if top && d.typ == "ObjStm" {
				s.streams = append(s.streams, pdfStream{d, data})
			}
		default:
			if err := l.skip(t, 0); err != nil {
				return err
			}
		}
	}
}

// pdfStreamData returns the data of a stream whose keyword "stream" ends
// at pos, and the offset after its "endstream". A direct length is used
// when "endstream" follows it; otherwise the data runs to the first
// "endstream", or to the end of b.
func pdfStreamData(b []byte, pos int, length int64) (data []byte, next int) {
	for pos < len(b) && b[pos] == ' ' {
		pos++
	}
	if pos < len(b) && b[pos] == '\r' {
		pos++
	}
	if pos < len(b) && b[pos] == '\n' {
		pos++
	}
	const end = "endstream"
	if length >= 0 && length <= int64(len(b)-pos) {
		e := pos + int(length)
		after := e
		for after < len(b) && pdfWhite(b[after]) {
			after++
		}
		if bytes.HasPrefix(b[after:], []byte(end)) {
			return b[pos:e], after + len(end)
		}
	}
	i := bytes.Index(b[pos:], []byte(end))
	if i < 0 {
		return b[pos:], len(b)
	}
	return bytes.TrimRight(b[pos:pos+i], "\r\n"), pos + i + len(end)
}

// objectStream inflates an object stream (ISO 32000-1, 7.5.7) and reads
// each of its objects as a region of its own.
func (s *pdfScan) objectStream(st pdfStream) error {
	d, data := st.dict, st.data
	switch {
	case len(d.filters) == 0:
	case len(d.filters) == 1 && d.filters[0] == "FlateDecode" && !d.decodeParms:
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("attachments: pdf: object stream: %w", err)
		}
		data, err = io.ReadAll(io.LimitReader(zr, s.inflateLeft+1))
		if err != nil {
			return fmt.Errorf("attachments: pdf: object stream: %w", err)
		}
		if int64(len(data)) > s.inflateLeft {
			return errors.New("attachments: pdf: object streams inflate too large")
		}
		s.inflateLeft -= int64(len(data))
	default:
		return fmt.Errorf("attachments: pdf: object stream with filter %v", d.filters)
	}
	if d.n < 0 || d.first < 0 || d.first > int64(len(data)) || d.n > d.first {
		return errors.New("attachments: pdf: object stream without a valid /N and /First")
	}
	type entry struct{ num, off int64 }
	var es []entry // not sized by /N: a hostile /N must not allocate
	l := pdfLexer{b: data[:d.first]}
	for range d.n {
		num, off := l.next(), l.next()
		n, err1 := strconv.ParseInt(string(num.val), 10, 64)
		o, err2 := strconv.ParseInt(string(off.val), 10, 64)
		if num.kind != pdfNumber || off.kind != pdfNumber || err1 != nil || err2 != nil ||
			n < 0 || o < 0 || o > int64(len(data))-d.first {
			return errors.New("attachments: pdf: bad object stream header")
		}
		es = append(es, entry{n, d.first + o})
	}
	slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.off, b.off) })
	for i, e := range es {
		end := int64(len(data))
		if i+1 < len(es) {
			end = es[i+1].off
		}
		if err := s.region(data[:end], int(e.off), e.num, false); err != nil {
			return err
		}
	}
	return nil
}

// pdfHeader is an "N G obj" header found in the raw bytes.
type pdfHeader struct {
	num   int64
	start int // offset of N
	body  int // offset after "obj"
}

// pdfObjectHeaders finds every "N G obj" in b, in order.
func pdfObjectHeaders(b []byte) []pdfHeader {
	var hs []pdfHeader
	last := 0
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("obj"))
		if j < 0 {
			return hs
		}
		k := i + j
		i = k + 3
		if i < len(b) && pdfRegular(b[i]) {
			continue
		}
		p, ok := backOver(b, k, last, pdfWhite)
		if !ok {
			continue
		}
		if p, ok = backOver(b, p, last, isDigit); !ok {
			continue
		}
		if p, ok = backOver(b, p, last, pdfWhite); !ok {
			continue
		}
		q := p
		if p, ok = backOver(b, p, last, isDigit); !ok || (p > 0 && pdfRegular(b[p-1])) {
			continue
		}
		num, err := strconv.ParseInt(string(b[p:q]), 10, 64)
		if err != nil {
			num = -1
		}
		hs = append(hs, pdfHeader{num: num, start: p, body: i})
		last = i
	}
}

// backOver steps back from end over bytes matching f, not before floor.
// It reports false when there was none.
func backOver(b []byte, end, floor int, f func(byte) bool) (int, bool) {
	p := end
	for p > floor && f(b[p-1]) {
		p--
	}
	return p, p < end
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
