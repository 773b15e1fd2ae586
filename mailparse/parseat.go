package mailparse

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ParseAt reads one message of size bytes from r as Parse reads it: the
// same Letter and the same errors for the same bytes, except that the
// content of most parts stays in r. Such a Part has Body nil, its decoded
// size in Size, and Open reads and decodes it from r; r must stay
// readable for as long as the parts are opened.
//
// ParseAt holds in memory the header blocks, the text parts (within
// lim.MaxTextBytes) and attached messages that are transfer-encoded, and
// reads the rest in windows of 64 KiB: never a buffer the size of the
// message or of an attachment. It reads each attachment once to measure
// it.
//
// When r fails, ParseAt returns a nil Letter and an error wrapping r's
// error (not ErrDamaged): the message may be read again later.
func ParseAt(r io.ReaderAt, size int64, lim *Limits) (*Letter, error) {
	return parseAt(r, size, lim, window)
}

// parseAt is ParseAt reading win bytes at a time.
func parseAt(r io.ReaderAt, size int64, lim *Limits, win int) (*Letter, error) {
	src, err := readerSource(r, size, win)
	if err != nil {
		return nil, err
	}
	return parseSource(src, lim)
}

// parseSource is Parse and ParseAt, after fixBareCR and the BOM trim.
func parseSource(src *source, lim *Limits) (l *Letter, err error) {
	limits := lim.orDefaults()
	w := &walker{lim: limits, textLeft: limits.MaxTextBytes, htmlLeft: limits.MaxTextBytes}
	whole := wholeBody(src)
	defer func() {
		// A backstop: one bad letter must not take the daemon down.
		if r := recover(); r != nil {
			raw, _ := whole.read(0, min(whole.n, int64(limits.MaxTextBytes)))
			l = rawLetter(raw, limits)
			err = fmt.Errorf("%w: %w: %v", ErrDamaged, errInternal, r)
		}
	}()
	var defects []string
	h, rest, err := readHeaderBody(whole, limits.MaxHeaderBytes, &defects)
	switch {
	case w.failed(err):
		return nil, w.err
	case errors.Is(err, ErrNoHeader):
		l := rawLetter(w.bytes(whole.sub(0, min(whole.n, int64(limits.MaxTextBytes)))), limits)
		if w.err != nil {
			return nil, w.err
		}
		return l, err
	case err != nil:
		// Over MaxHeaderBytes: the fields are still read, in time and
		// memory that grow with the header, so that the letter can be
		// filed.
		h, _, herr := readHeaderBody(whole, int(min(whole.n+1, int64(maxInt))), &defects)
		if w.failed(herr) {
			return nil, w.err
		}
		return headerLetter(h), err
	}
	w.defects, w.hint = defects, headerCharset(h)
	var c content
	if err := w.walk(entity{h: h, body: rest}, 0, "", &c, false, "text/plain"); err != nil {
		if w.err != nil {
			return nil, w.err
		}
		return headerLetter(h), err
	}
	if w.err != nil {
		return nil, w.err
	}
	l = &Letter{Parts: w.parts}
	readFields(l, h, w.hint)
	if fillText(l, &c, w.hint, limits.MaxTextBytes) {
		w.defect("", "text with forwarded messages cut at %d bytes", limits.MaxTextBytes)
	}
	l.Auto = detectAuto(h, l.Subject, l.From, w.reports)
	if l.Auto == AutoBounce {
		l.BounceOf = w.bounceOf
		if l.BounceOf == "" {
			l.BounceOf = w.embeddedID
		}
		if l.BounceOf == "" {
			l.BounceOf = inlineMessageID(l.Text)
		}
	}
	return l, damage(w.defects)
}

// maxInt is the largest int.
const maxInt = int(^uint(0) >> 1)

// failed reports whether err is a failure to read the source, keeping the
// first such failure in w.err.
func (w *walker) failed(err error) bool {
	if _, ok := err.(*readError); !ok {
		return false
	}
	if w.err == nil {
		w.err = err
	}
	return true
}

// scanned keeps the read failure a scanner met, if any.
func (w *walker) scanned(s *scanner) { w.failed(s.err) }

// bytes returns the bytes of b, nil when they cannot be read.
func (w *walker) bytes(b body) []byte {
	raw, err := b.read(0, b.n)
	if w.failed(err) {
		return nil
	}
	return raw
}

// decodeBody undoes the transfer encoding of e's body, recording damage as
// a defect of the part at p when record is set. Out of memory, a body that
// needs decoding is decoded into memory; one that does not stays where it
// is.
func (w *walker) decodeBody(e entity, p string, record bool) body {
	if e.body.inMemory() {
		out, defect := decodeTransfer(e.h.get("Content-Transfer-Encoding"), w.bytes(e.body))
		if record && defect != "" {
			w.defect(p, "%s", defect)
		}
		return wholeBody(memSource(out))
	}
	lb := w.measure(e, p, record)
	if lb.enc == encIdentity {
		return e.body
	}
	out := make([]byte, lb.size)
	if _, err := io.ReadFull(lb.open(), out); err != nil {
		if !w.failed(err) && w.err == nil {
			// Shorter than measured: the source changed under us.
			w.err = fmt.Errorf("mailparse: decode attached message: %w", err)
		}
		return wholeBody(memSource(nil))
	}
	return wholeBody(memSource(out))
}

// returnedHeader is the decoded body of e, a returned header, for
// readHeaderBody: out of memory it is decoded again from its start for
// each read, since only the start of it is read.
func (w *walker) returnedHeader(e entity) body {
	if e.body.inMemory() {
		return w.decodeBody(e, "", false)
	}
	lb := w.measure(e, "", false)
	if lb.enc == encIdentity {
		return e.body
	}
	return wholeBody(&source{r: decodedAt{lb}, size: lb.size, win: e.body.src.win})
}

// decodedAt reads the decoded content of a lazyBody by offset.
type decodedAt struct{ lb *lazyBody }

func (d decodedAt) ReadAt(p []byte, off int64) (int, error) {
	r := d.lb.open()
	if _, err := io.CopyN(io.Discard, r, off); err != nil {
		return 0, err
	}
	return io.ReadFull(r, p)
}

// FingerprintAt is Fingerprint of the size bytes of r, read in windows:
// it holds the header in memory, not the body. It fails only when r does,
// with an error wrapping r's.
func FingerprintAt(r io.ReaderAt, size int64) (string, error) {
	return fingerprint(&source{r: r, size: max(size, 0), win: window})
}

// fingerprint is Fingerprint of a source.
func fingerprint(src *source) (string, error) {
	whole := wholeBody(src)
	var defects []string
	h, rest, err := readHeaderBody(whole, int(min(whole.n+1, int64(maxInt))), &defects)
	if _, ok := err.(*readError); ok {
		return "", err
	}
	s := sha256.New()
	if err != nil {
		s.Write([]byte("no header\n"))
		rest = whole
	} else {
		for _, f := range h {
			name := strings.ToLower(f.name)
			if traceField(name) {
				continue
			}
			s.Write([]byte(name))
			s.Write([]byte{':'})
			s.Write([]byte(strings.Join(strings.Fields(f.value), " ")))
			s.Write([]byte{'\n'})
		}
		s.Write([]byte{'\n'})
	}
	if err := writeCanonical(s, rest); err != nil {
		return "", err
	}
	return hex.EncodeToString(s.Sum(nil)), nil
}

// writeCanonical is writeCanonicalBody over a body, a line at a time.
func writeCanonical(w io.Writer, b body) error {
	if b.inMemory() {
		raw, _ := b.read(0, b.n)
		writeCanonicalBody(w, raw)
		return nil
	}
	s := newScanner(b)
	blank := 0 // blank lines seen but not yet written
	for pos := int64(0); pos < b.n && s.err == nil; {
		end := s.lineEnd(pos)
		t := end
		if t > pos && s.byteAt(t-1) == '\n' {
			t--
		}
		t = s.trimRightFrom(pos, t, " \t\r")
		if t == pos {
			blank++
		} else {
			for ; blank > 0; blank-- {
				w.Write([]byte{'\n'})
			}
			for from := pos; from < t && s.err == nil; {
				win := s.at(from, 1)
				win = win[:min(int64(len(win)), t-from)]
				w.Write(win)
				from += int64(len(win))
			}
			w.Write([]byte{'\n'})
		}
		pos = end
	}
	return s.err
}
