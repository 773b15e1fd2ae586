package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketd/ticketd/daemon"
)

// backlog is where "ticketd import" reads letters: an mbox file, a
// Maildir, or a directory of .eml files.
type backlog interface {
	// Next returns the next letter, io.EOF after the last, or a
	// *letterError for a letter that cannot be read while the others can.
	Next() (daemon.BacklogLetter, error)
	// Progress is how far the reading has come: done of total, in unit.
	Progress() (done, total int64, unit string)
	// Kind names the format, for the summary.
	Kind() string
	Close() error
}

// letterError is a letter of a backlog that could not be read; the
// others can. Its text names the file, never the letter's content.
type letterError struct {
	name string
	err  error
}

func (e *letterError) Error() string { return e.name + ": " + e.err.Error() }
func (e *letterError) Unwrap() error { return e.err }

// openBacklog opens path as an mbox file, a Maildir (cur/ and new/; tmp/
// holds letters still being delivered and is left alone) or a directory
// of .eml files, keeping at most limit bytes of each letter.
func openBacklog(path string, limit int64) (backlog, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return openMaildir(path, limit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := newMboxReader(f, limit)
	if err != nil {
		f.Close()
		if errors.Is(err, errNotMbox) {
			return nil, fmt.Errorf("%s: %w, and not a Maildir or a directory of .eml files", path, err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &mboxFile{mboxReader: m, f: f, size: fi.Size()}, nil
}

// mboxFile is an mbox on disk.
type mboxFile struct {
	*mboxReader
	f    *os.File
	size int64
}

func (m *mboxFile) Progress() (int64, int64, string) {
	return min(m.Position(), m.size), m.size, "bytes"
}
func (m *mboxFile) Kind() string { return "mbox" }
func (m *mboxFile) Close() error { return m.f.Close() }

// maildir is the letters of a Maildir, or of a directory of .eml files,
// one file each, in the order they arrived.
type maildir struct {
	dir   string
	kind  string
	files []string // relative to dir
	next  int
	limit int64
}

// openMaildir lists the letters of dir: its cur/ and new/ when it is a
// Maildir, else its *.eml files.
func openMaildir(dir string, limit int64) (*maildir, error) {
	m := &maildir{dir: dir, kind: "Maildir", limit: limit}
	found := false
	for _, sub := range []string{"cur", "new"} {
		names, err := listFiles(filepath.Join(dir, sub), "")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found = true
		for _, n := range names {
			m.files = append(m.files, filepath.Join(sub, n))
		}
	}
	if !found {
		names, err := listFiles(dir, ".eml")
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("%s: not a Maildir (no cur/ or new/ directory) nor a directory of .eml files", dir)
		}
		m.kind, m.files = "directory of .eml files", names
	}
	// Maildir names begin with the time of delivery: in that order a
	// letter comes before the replies to it.
	slices.SortStableFunc(m.files, func(a, b string) int {
		ta, tb := deliveryTime(a), deliveryTime(b)
		return cmp.Or(cmp.Compare(ta, tb), strings.Compare(filepath.Base(a), filepath.Base(b)))
	})
	return m, nil
}

// listFiles returns the names of the regular files in dir ending in ext
// ("" for any), without hidden ones.
func listFiles(dir, ext string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || !e.Type().IsRegular() || !strings.HasSuffix(strings.ToLower(n), ext) {
			continue
		}
		names = append(names, n)
	}
	return names, nil
}

// deliveryTime is the Unix time a Maildir file name begins with
// ("1712345678.M1P2.host:2,S"); 0 when it begins otherwise.
func deliveryTime(name string) int64 {
	base := filepath.Base(name)
	digits, _, _ := strings.Cut(base, ".")
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || base == digits {
		return 0
	}
	return n
}

func (m *maildir) Next() (daemon.BacklogLetter, error) {
	if m.next >= len(m.files) {
		return daemon.BacklogLetter{}, io.EOF
	}
	name := m.files[m.next]
	m.next++
	l, err := readLetterFile(filepath.Join(m.dir, name), m.limit)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is dir's: name says which letter
		}
		return l, &letterError{name: name, err: err}
	}
	if t := deliveryTime(name); t > 0 {
		l.Arrived = time.Unix(t, 0)
	}
	return l, nil
}

// readLetterFile reads the letter in file, at most limit bytes of it; the
// file's time is when it arrived.
func readLetterFile(file string, limit int64) (daemon.BacklogLetter, error) {
	f, err := os.Open(file)
	if err != nil {
		return daemon.BacklogLetter{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return daemon.BacklogLetter{}, err
	}
	raw, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		return daemon.BacklogLetter{}, &fs.PathError{Op: "read", Path: file, Err: err}
	}
	l := daemon.BacklogLetter{Raw: raw, Arrived: fi.ModTime()}
	if fi.Size() > int64(len(raw)) {
		l.Size = fi.Size()
	}
	return l, nil
}

func (m *maildir) Progress() (int64, int64, string) {
	return int64(m.next), int64(len(m.files)), "letters"
}
func (m *maildir) Kind() string { return m.kind }
func (m *maildir) Close() error { return nil }
