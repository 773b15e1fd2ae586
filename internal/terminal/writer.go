package terminal

import (
	"io"
	"sync"
	"unicode/utf8"
)

// Writer escapes everything written through it as Escape does, tab and
// line feed passing unchanged, and writes the result to the io.Writer it
// wraps, one Write for each of its own. A character split across two calls
// of Write is escaped as a whole: the bytes that begin it are held until
// the rest comes, or until Flush. What a Writer writes is Escape of
// everything written to it, however it was cut into calls. It is safe for
// concurrent use.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	held    []byte // the first bytes of a character the last Write ended in
	in, out []byte // reused for each Write that needs escaping
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w}
}

// Write escapes p and writes it, holding back the first bytes of a
// character that p ends in the middle of. It returns len(p) when all of p
// was written or held. On an error of the wrapped writer it returns what
// that returned when p needed no escape, and 0 otherwise, since escaped
// bytes do not map back to p.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.held) == 0 && clean(p) {
		return w.w.Write(p)
	}
	w.in = append(append(w.in[:0], w.held...), p...)
	var done int
	w.out, done = appendEscaped(w.out[:0], w.in, false, false)
	w.held = append(w.held[:0], w.in[done:]...)
	if len(w.out) > 0 {
		if _, err := w.w.Write(w.out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes the bytes held from the last Write, a character that never
// ended, as escapes of bytes that are not UTF-8. Call it after the last
// Write.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.held) == 0 {
		return nil
	}
	w.out, _ = appendEscaped(w.out[:0], w.held, false, true)
	w.held = w.held[:0]
	_, err := w.w.Write(w.out)
	return err
}

// clean reports whether b can be written as it is: no character in it
// needs an escape, and it does not end in the middle of one.
func clean(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			if escaped(rune(b[i]), 1, false) {
				return false
			}
			i++
			continue
		}
		if !utf8.FullRune(b[i:]) {
			return false
		}
		r, size := utf8.DecodeRune(b[i:])
		if escaped(r, size, false) {
			return false
		}
		i += size
	}
	return true
}
