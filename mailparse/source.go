package mailparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
)

// window is how many bytes ParseAt reads at a time when it scans a body.
const window = 64 << 10

// source holds the bytes of one message: in memory for Parse, in an
// io.ReaderAt for ParseAt. A source is never changed once made, so the
// readers of Part.Open may share it between goroutines.
type source struct {
	mem  []byte      // the whole message, when it is in memory
	r    io.ReaderAt // else the message is here,
	base int64       // from this offset (past a BOM),
	size int64       // this long,
	cr   bool        // with every CR read as LF (fixBareCR)
	win  int         // bytes read at a time when scanning: window, smaller in tests
}

// memSource is a source over bytes in memory.
func memSource(b []byte) *source {
	if b == nil {
		b = []byte{}
	}
	return &source{mem: b, size: int64(len(b)), win: window}
}

// readError is a failure of the io.ReaderAt given to ParseAt or
// FingerprintAt.
type readError struct {
	off int64
	n   int
	err error
}

func (e *readError) Error() string {
	return fmt.Sprintf("mailparse: read %d bytes at %d: %v", e.n, e.off, e.err)
}

func (e *readError) Unwrap() error { return e.err }

// readerSource is the source of ParseAt: r's size bytes, read as Parse
// reads raw after fixBareCR and the BOM trim, win bytes at a time.
func readerSource(r io.ReaderAt, size int64, win int) (*source, error) {
	src := &source{r: r, size: max(size, 0), win: win}
	// fixBareCR: a message without any LF but with a CR breaks lines
	// with CR. One LF anywhere keeps the bytes as they are; it is
	// nearly always in the first window.
	var lf, cr bool
	buf := make([]byte, min(src.size, int64(win)))
	for off := int64(0); off < src.size && !lf; off += int64(len(buf)) {
		b := buf[:min(int64(len(buf)), src.size-off)]
		if err := src.readAt(b, off); err != nil {
			return nil, err
		}
		lf = bytes.IndexByte(b, '\n') >= 0
		cr = cr || bytes.IndexByte(b, '\r') >= 0
	}
	src.cr = !lf && cr
	// QUIRK: messages saved by Windows tools may start with a UTF-8 BOM.
	if src.size >= 3 {
		var bom [3]byte
		if err := src.readAt(bom[:], 0); err != nil {
			return nil, err
		}
		if string(bom[:]) == "\ufeff" {
			src.base, src.size = 3, src.size-3
		}
	}
	return src, nil
}

// readAt fills p with the bytes at off, which lie within the source.
func (s *source) readAt(p []byte, off int64) error {
	if s.mem != nil {
		copy(p, s.mem[off:])
		return nil
	}
	n, err := s.r.ReadAt(p, s.base+off)
	if n == len(p) {
		err = nil // io.ReaderAt may return io.EOF with the last bytes
	} else if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return &readError{off: s.base + off, n: len(p), err: err}
	}
	if s.cr {
		for i, c := range p {
			if c == '\r' {
				p[i] = '\n'
			}
		}
	}
	return nil
}

// body is a stretch of a source: a message's or a part's undecoded body.
type body struct {
	src    *source
	off, n int64
}

// wholeBody is all of src.
func wholeBody(src *source) body { return body{src: src, n: src.size} }

// inMemory reports whether b's bytes are in memory, so that reading them
// costs nothing.
func (b body) inMemory() bool { return b.src.mem != nil }

// sub is the stretch [from, to) of b.
func (b body) sub(from, to int64) body { return body{src: b.src, off: b.off + from, n: to - from} }

// read returns the bytes [from, to) of b: a slice of the message when it
// is in memory, else a new buffer.
func (b body) read(from, to int64) ([]byte, error) {
	if b.src.mem != nil {
		return b.src.mem[b.off+from : b.off+to], nil
	}
	p := make([]byte, to-from)
	if err := b.src.readAt(p, b.off+from); err != nil {
		return nil, err
	}
	return p, nil
}

// scanner gives access to the bytes of a body by offset, holding at most a
// window of them (or a little more, to see a pattern whole). It stops at
// the first read error, which it keeps in err; the body then seems to end
// where the error happened.
type scanner struct {
	b     body
	buf   []byte
	start int64 // offset in b of buf[0]
	err   error
}

// newScanner returns a scanner of b.
func newScanner(b body) *scanner {
	s := &scanner{b: b}
	if b.inMemory() {
		s.buf = b.src.mem[b.off : b.off+b.n]
	}
	return s
}

// at returns the bytes of b from offset from: at least need of them, or all
// that is left, or none after a read error.
func (s *scanner) at(from int64, need int) []byte {
	if from >= s.b.n || s.err != nil {
		return nil
	}
	if from >= s.start && from-s.start <= int64(len(s.buf)) {
		got := s.buf[from-s.start:]
		if len(got) >= need || s.start+int64(len(s.buf)) == s.b.n {
			return got
		}
	}
	n := min(int64(max(s.b.src.win, need)), s.b.n-from)
	if int64(cap(s.buf)) < n {
		s.buf = make([]byte, n)
	}
	s.buf, s.start = s.buf[:n], from
	if err := s.b.src.readAt(s.buf, s.b.off+from); err != nil {
		s.err, s.buf = err, s.buf[:0]
		return nil
	}
	return s.buf
}

// byteAt returns the byte at offset i, 0 after a read error.
func (s *scanner) byteAt(i int64) byte {
	if i >= s.start && i-s.start < int64(len(s.buf)) {
		return s.buf[i-s.start]
	}
	if b := s.at(i, 1); len(b) > 0 {
		return b[0]
	}
	return 0
}

// index returns the offset of the first pat at or after from, -1 when
// there is none.
func (s *scanner) index(from int64, pat []byte) int64 {
	for from < s.b.n {
		w := s.at(from, len(pat))
		if len(w) < len(pat) {
			return -1
		}
		if i := bytes.Index(w, pat); i >= 0 {
			return from + int64(i)
		}
		if from+int64(len(w)) >= s.b.n {
			return -1
		}
		from += int64(len(w) - len(pat) + 1)
	}
	return -1
}

// lineEnd returns the offset just past the line that starts at pos,
// including its LF; the end of the body when the line has none.
func (s *scanner) lineEnd(pos int64) int64 {
	for pos < s.b.n {
		w := s.at(pos, 1)
		if len(w) == 0 {
			break
		}
		if i := bytes.IndexByte(w, '\n'); i >= 0 {
			return pos + int64(i) + 1
		}
		pos += int64(len(w))
	}
	return s.b.n
}

// trimRightFrom returns the offset past the last byte in [from, to) that
// is not in cut, from when there is none.
func (s *scanner) trimRightFrom(from, to int64, cut string) int64 {
	for to > from {
		start := max(from, to-int64(s.b.src.win))
		w := s.at(start, int(to-start))
		if len(w) < int(to-start) {
			return from
		}
		w = w[:to-start]
		t := bytes.TrimRight(w, cut)
		if len(t) > 0 {
			return start + int64(len(t))
		}
		to = start
	}
	return from
}

// readHeaderBody is readHeader over a body. Out of memory it reads the
// start of b, 4 KiB first and twice as much each time readHeaderIn finds
// it too short: memory follows the header, not the body.
func readHeaderBody(b body, max int, defects *[]string) (header, body, error) {
	if b.inMemory() {
		raw, _ := b.read(0, b.n)
		h, at, err, _ := readHeaderIn(raw, true, max, defects)
		return h, restAt(b, at), err
	}
	var raw []byte // the start of b read so far, grown by what is missing
	for l := min(b.n, int64(min(b.src.win, 4096))); ; l = min(b.n, 2*l) {
		have := len(raw)
		raw = slices.Grow(raw, int(l)-have)[:l]
		if err := b.src.readAt(raw[have:], b.off+int64(have)); err != nil {
			return nil, body{}, err
		}
		var ds []string
		h, at, err, short := readHeaderIn(raw, l == b.n, max, &ds)
		if !short {
			*defects = append(*defects, ds...)
			return h, restAt(b, at), err
		}
	}
}

// restAt is what follows offset at of b: none when at is -1.
func restAt(b body, at int) body {
	if at < 0 {
		return body{src: b.src, off: b.off + b.n}
	}
	return b.sub(int64(at), b.n)
}
