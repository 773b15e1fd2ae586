package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readAll reads every letter of b, failing the test on an error.
func readAll(t *testing.T, b backlog) []string {
	t.Helper()
	var got []string
	for {
		l, err := b.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatalf("Next() = %v", err)
		}
		got = append(got, string(l.Raw))
	}
}

func TestMboxReader(t *testing.T) {
	const env = "From ivan@example.ru Mon Mar  3 10:00:00 2025\n"
	for _, tc := range []struct {
		name string
		in   string
		want []string
	}{
		{"empty file", "", nil},
		{"one letter", env + "Subject: a\n\nbody\n\n", []string{"Subject: a\n\nbody\n"}},
		{"two letters", env + "Subject: a\n\nbody\n\n" + env + "Subject: b\n\nbody b\n\n",
			[]string{"Subject: a\n\nbody\n", "Subject: b\n\nbody b\n"}},
		{"last letter without a final newline", env + "Subject: a\n\nbody\n\n" + env + "Subject: b\n\nno newline",
			[]string{"Subject: a\n\nbody\n", "Subject: b\n\nno newline"}},
		{"last letter without the empty line", env + "Subject: a\n\nbody\n", []string{"Subject: a\n\nbody\n"}},
		// RFC 4155 section 2 and the mboxrd convention: one '>' comes off.
		{"mboxrd quoting", env + "Subject: a\n\n>From here\n>>From there\n>not quoted\n\n",
			[]string{"Subject: a\n\nFrom here\n>From there\n>not quoted\n"}},
		{"CRLF lines", strings.ReplaceAll(env+"Subject: a\n\nbody\n\n"+env+"Subject: b\n\nx\n\n", "\n", "\r\n"),
			[]string{"Subject: a\r\n\r\nbody\r\n", "Subject: b\r\n\r\nx\r\n"}},
		// QUIRK: careless writers leave "From " unquoted in bodies; without a
		// time it is no envelope, and without an empty line before, neither.
		{"unquoted From in a body", env + "Subject: a\n\nhello\n\nFrom my side, nothing.\nFrom ivan@example.ru Mon Mar  3 10:00:00 2025\n\n",
			[]string{"Subject: a\n\nhello\n\nFrom my side, nothing.\nFrom ivan@example.ru Mon Mar  3 10:00:00 2025\n"}},
		{"envelope and nothing else", env, nil},
		{"empty letter", env + "\n" + env + "Subject: b\n\nx\n", []string{"", "Subject: b\n\nx\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := newMboxReader(strings.NewReader(tc.in), 1<<20)
			if err != nil {
				t.Fatalf("newMboxReader = %v", err)
			}
			got := readAll(t, &mboxFile{mboxReader: m})
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("letters = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMboxReaderLimitAndTime(t *testing.T) {
	body := strings.Repeat("x", 200) + "\n"
	in := "From a@example.ru Mon Mar  3 10:00:00 2025\nSubject: big\n\n" + body + "\nFrom b@example.ru Tue Mar  4 11:30:00 2025\nSubject: small\n\nok\n"
	m, err := newMboxReader(strings.NewReader(in), 64)
	if err != nil {
		t.Fatal(err)
	}
	l, err := m.Next()
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len("Subject: big\n\n") + len(body)); len(l.Raw) != 64 || l.Size != want {
		t.Errorf("big letter: %d bytes kept, Size %d; want 64 kept of %d", len(l.Raw), l.Size, want)
	}
	if want := time.Date(2025, 3, 3, 10, 0, 0, 0, time.Local); !l.Arrived.Equal(want) {
		t.Errorf("Arrived = %v, want %v", l.Arrived, want)
	}
	l, err = m.Next()
	if err != nil || string(l.Raw) != "Subject: small\n\nok\n" || l.Size != 0 {
		t.Errorf("second letter = %q (Size %d), %v", l.Raw, l.Size, err)
	}
	// A line longer than the reader's buffer is kept whole.
	long := strings.Repeat("y", 3*mboxBuffer) + "\n"
	m, _ = newMboxReader(strings.NewReader("From a@example.ru Mon Mar  3 10:00:00 2025\nSubject: long\n\n"+long), 1<<30)
	if l, err := m.Next(); err != nil || string(l.Raw) != "Subject: long\n\n"+long {
		t.Errorf("letter with a long line: %d bytes, %v; want %d", len(l.Raw), err, len("Subject: long\n\n"+long))
	}
}

func TestOpenBacklog(t *testing.T) {
	dir := filepath.Join("testdata", "import")
	for _, tc := range []struct {
		name, path, kind string
		want             []string // subjects, in order
	}{
		{"mboxrd with CRLF", "mboxrd-crlf.mbox", "mbox", []string{"one", "two"}},
		{"Maildir: cur and new, not tmp or hidden files", "maildir", "Maildir", []string{"first", "second"}},
		{"directory of .eml files", "eml", "directory of .eml files", []string{"eml one", "eml two"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := openBacklog(filepath.Join(dir, tc.path), 1<<20)
			if err != nil {
				t.Fatalf("openBacklog(%s) = %v", tc.path, err)
			}
			defer b.Close()
			if b.Kind() != tc.kind {
				t.Errorf("Kind() = %q, want %q", b.Kind(), tc.kind)
			}
			var subjects []string
			for _, l := range readAll(t, b) {
				for _, line := range strings.Split(strings.ReplaceAll(l, "\r\n", "\n"), "\n") {
					if s, ok := strings.CutPrefix(line, "Subject: "); ok {
						subjects = append(subjects, s)
					}
				}
			}
			if strings.Join(subjects, "|") != strings.Join(tc.want, "|") {
				t.Errorf("subjects = %q, want %q", subjects, tc.want)
			}
			if done, total, _ := b.Progress(); done != total || total == 0 {
				t.Errorf("Progress() at the end = %d of %d", done, total)
			}
		})
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "mboxrd-crlf.mbox"))
	b, _ := openBacklog(filepath.Join(dir, "mboxrd-crlf.mbox"), 1<<20)
	if got := readAll(t, b); len(got) == 0 || !strings.Contains(got[0], "\r\nFrom the start\r\n>From quoted\r\n") || len(raw) == 0 {
		t.Errorf("first letter of the mboxrd file = %q", got)
	}
	for _, bad := range []string{"plain.txt", "maildir/cur", "no-such-file"} {
		_, err := openBacklog(filepath.Join(dir, bad), 1<<20)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, bad)) {
			t.Errorf("openBacklog(%s) = %v, want an error naming the path", bad, err)
		}
	}
}

// FuzzMboxReader: whatever the bytes, the reader ends without a panic,
// and every letter it returns is a piece of the input.
func FuzzMboxReader(f *testing.F) {
	for _, s := range []string{"", "From a Mon Mar  3 10:00:00 2025\nSubject: a\n\nx\n\nFrom b Mon Mar  3 10:00:00 2025\n\n",
		"From \n\n>From x\n", "From a b 1:00\r\n\r\n\r\nFrom a b 1:00\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := newMboxReader(strings.NewReader(string(in)), 1<<10)
		if err != nil {
			return
		}
		total := 0
		for range len(in) + 2 {
			l, err := m.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("Next() = %v", err)
			}
			total += len(l.Raw)
			if total > len(in) {
				t.Fatalf("letters hold %d bytes of %d read", total, len(in))
			}
		}
		t.Fatalf("Next() did not end")
	})
}
