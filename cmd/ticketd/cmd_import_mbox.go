package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"regexp"
	"time"

	"github.com/ticketd/ticketd/daemon"
)

// mboxReader reads the letters of an mbox file (RFC 4155) one at a time,
// streaming: a letter is held in memory, never the file.
//
// A letter begins at a "From " line that opens the file or follows an
// empty line and carries a time ("From sender Mon Jan  2 15:04:05 2006"),
// so that a body line "From my side..." after a paragraph, which a careless
// writer left unquoted, does not split a letter. The empty line before the
// next "From " line is the format's, not the letter's, and is dropped.
// Lines are kept as they are, CRLF or LF; a last letter without a final
// newline is kept whole.
//
// QUIRK: mboxo writers quote "From " as ">From " and mboxrd writers quote
// ">From " as ">>From " too; the file does not say which. Every line
// ">…>From " loses one '>' (the mboxrd rule), which restores mboxrd
// exactly and mboxo except for a body line that began ">From " already.
type mboxReader struct {
	r       *bufio.Reader
	read    *countingReader
	limit   int64  // bytes of a letter kept; more are counted, not kept
	envelop []byte // the "From " line of the next letter; nil at the end
	done    bool
}

// mboxBuffer is the reader's buffer: lines longer are read in pieces.
const mboxBuffer = 64 << 10

// newMboxReader reads an mbox from r, keeping at most limit bytes of
// each letter. It fails when r does not begin with a "From " line; an
// empty r is an mbox with no letters.
func newMboxReader(r io.Reader, limit int64) (*mboxReader, error) {
	c := &countingReader{r: r}
	m := &mboxReader{r: bufio.NewReaderSize(c, mboxBuffer), read: c, limit: limit}
	first, err := m.r.ReadSlice('\n')
	switch {
	case len(first) == 0 && errors.Is(err, io.EOF):
		m.done = true
		return m, nil
	case !bytes.HasPrefix(first, []byte("From ")):
		return nil, errNotMbox
	}
	m.envelop = append([]byte(nil), first...)
	if err := m.skipRest(first, err); err != nil {
		return nil, err
	}
	return m, nil
}

// errNotMbox is the error of a file that does not begin as an mbox does.
var errNotMbox = errors.New(`not an mbox file: it does not begin with a "From " line`)

// Next returns the next letter, or io.EOF after the last.
func (m *mboxReader) Next() (daemon.BacklogLetter, error) {
	if m.done {
		return daemon.BacklogLetter{}, io.EOF
	}
	l := daemon.BacklogLetter{Arrived: envelopeTime(m.envelop)}
	var (
		buf       []byte
		size      int64
		lineStart = true  // the next piece begins a line
		prevBlank = false // the last whole line was empty
		blankLen  = 0     // length of that empty line, to drop it
	)
	for {
		piece, err := m.r.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) && !errors.Is(err, io.EOF) {
			return l, err
		}
		if lineStart && prevBlank && isEnvelope(piece) {
			m.envelop = append(m.envelop[:0], piece...)
			if err := m.skipRest(piece, err); err != nil {
				return l, err
			}
			buf, size = dropLast(buf, size, blankLen)
			return m.letter(l, buf, size), nil
		}
		whole := len(piece) > 0 && piece[len(piece)-1] == '\n'
		blank := lineStart && whole && (len(piece) == 1 || len(piece) == 2 && piece[0] == '\r')
		if lineStart && quotedFrom(piece) {
			piece = piece[1:]
		}
		size += int64(len(piece))
		if room := m.limit - int64(len(buf)); room > 0 {
			buf = append(buf, piece[:min(int64(len(piece)), room)]...)
		}
		if whole {
			prevBlank, blankLen = blank, len(piece)
		} else if len(piece) > 0 {
			prevBlank = false
		}
		lineStart = whole
		if errors.Is(err, io.EOF) {
			m.done = true
			if size == 0 {
				return daemon.BacklogLetter{}, io.EOF // an envelope and nothing after it
			}
			if prevBlank {
				buf, size = dropLast(buf, size, blankLen)
			}
			return m.letter(l, buf, size), nil
		}
	}
}

// letter is l with its bytes, noting its whole size when buf is only its
// beginning.
func (m *mboxReader) letter(l daemon.BacklogLetter, buf []byte, size int64) daemon.BacklogLetter {
	l.Raw = buf
	if size > int64(len(buf)) {
		l.Size = size
	}
	return l
}

// dropLast removes the last n bytes of a letter of size bytes, of which
// buf holds the beginning.
func dropLast(buf []byte, size int64, n int) ([]byte, int64) {
	if int64(len(buf)) == size && len(buf) >= n {
		buf = buf[:len(buf)-n]
	}
	return buf, size - int64(n)
}

// skipRest reads the rest of a line of which piece was read with err.
func (m *mboxReader) skipRest(piece []byte, err error) error {
	for errors.Is(err, bufio.ErrBufferFull) {
		piece, err = m.r.ReadSlice('\n')
	}
	if errors.Is(err, io.EOF) {
		m.done = true // a "From " line and nothing after it: no letter
		return nil
	}
	return err
}

// Position is how many bytes of the file were read.
func (m *mboxReader) Position() int64 { return m.read.n }

// envelopeLine is an mbox "From " line with a time in it.
var envelopeLine = regexp.MustCompile(`^From \S+ +.*\d:\d\d`)

func isEnvelope(line []byte) bool {
	return bytes.HasPrefix(line, []byte("From ")) && envelopeLine.Match(line)
}

// quotedFrom reports whether line is ">From ", ">>From "...
func quotedFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return i > 0 && bytes.HasPrefix(line[i:], []byte("From "))
}

// envelopeLayouts are the times "From " lines carry: asctime, with or
// without a zone.
var envelopeLayouts = []string{time.ANSIC, "Mon Jan _2 15:04:05 2006 -0700", "Mon Jan _2 15:04:05 -0700 2006",
	"Mon Jan _2 15:04:05 MST 2006", time.UnixDate}

// envelopeTime is the time on an mbox "From " line; zero when it has none
// that parses.
func envelopeTime(line []byte) time.Time {
	f := bytes.Fields(line)
	if len(f) < 3 {
		return time.Time{}
	}
	rest := string(bytes.Join(f[2:], []byte(" ")))
	for _, layout := range envelopeLayouts {
		if t, err := time.ParseInLocation(layout, rest, time.Local); err == nil {
			return t
		}
	}
	return time.Time{}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
