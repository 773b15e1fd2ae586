package daemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/ticketd/ticketd/store"
)

// bigLetter is a letter of about 27 MB (under the 30 MB limit): a few lines of text, a small PNG
// screenshot, and an opaque file of opaque bytes, base64 encoded.
func bigLetter(t *testing.T, opaque int) (raw []byte, screenshot, file []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for x := range 320 {
		img.Set(x, x%200, color.RGBA{R: 200, A: 255})
	}
	var shot bytes.Buffer
	if err := png.Encode(&shot, img); err != nil {
		t.Fatal(err)
	}
	file = make([]byte, opaque)
	r := rand.NewChaCha8([32]byte{1})
	r.Read(file)
	var b bytes.Buffer
	b.WriteString("From: Иван Петров <ivan@example.ru>\r\nTo: support@example.gov\r\nSubject: Не могу войти\r\n" +
		"Message-ID: <big@example.ru>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0300\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nЗдравствуйте! Не могу войти в личный кабинет.\r\nИван Петров\r\n")
	attach := func(name, typ string, data []byte) {
		fmt.Fprintf(&b, "--b1\r\nContent-Type: %s; name=%q\r\nContent-Disposition: attachment; filename=%q\r\n"+
			"Content-Transfer-Encoding: base64\r\n\r\n", typ, name, name)
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	attach("screen.png", "image/png", shot.Bytes())
	attach("dump.bin", "application/octet-stream", file)
	b.WriteString("--b1--\r\n")
	return b.Bytes(), shot.Bytes(), file
}

// TestLargeLetterIsNeverHeldWhole files a letter of about 27 MB, whose
// largest file decodes to 20 MB, and checks from the heap profile that no
// allocation made under the daemon was anywhere near the size of either:
// the letter went to the store in pieces as it was fetched, and was parsed,
// checked and filed from there. The limit, 8 MiB, is above what may be held
// (one accepted file, at most 5 MB, and a piece of 1 MiB) and far below the
// letter.
func TestLargeLetterIsNeverHeldWhole(t *testing.T) {
	const limit = 8 << 20
	f := newFixture(t)
	raw, shot, file := bigLetter(t, 20<<20)
	if err := f.imap.Append("INBOX", raw); err != nil {
		t.Fatal(err)
	}
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	n, err := f.d.Poll(context.Background())
	runtime.GC()
	records := memProfile()
	runtime.MemProfileRate = old
	if err != nil || n != 1 {
		t.Fatalf("Poll = %d, %v; want 1 letter", n, err)
	}
	for _, r := range records {
		if r.AllocObjects == 0 || !underDaemon(r) {
			continue
		}
		if avg := r.AllocBytes / r.AllocObjects; avg >= limit {
			t.Errorf("the daemon allocated %d objects of %d bytes on average (a %d byte letter):\n%s",
				r.AllocObjects, avg, len(raw), stack(r))
		}
	}
	checkFiled(t, f, raw, map[string][]byte{"screen.png": shot, "dump.bin": file})
}

// memProfile returns the heap profile's records.
func memProfile() []runtime.MemProfileRecord {
	n, _ := runtime.MemProfile(nil, true)
	for {
		records := make([]runtime.MemProfileRecord, n+50)
		m, ok := runtime.MemProfile(records, true)
		if ok {
			return records[:m]
		}
		n = m
	}
}

// underDaemon reports whether an allocation was made by the daemon's
// work: a stack through a method of Daemon (its fetch, the parsing and
// checking goroutines, filing), not by the test or the test's servers.
func underDaemon(r runtime.MemProfileRecord) bool {
	return strings.Contains(stack(r), "ticketd/daemon.(*Daemon).")
}

func stack(r runtime.MemProfileRecord) string {
	var b strings.Builder
	frames := runtime.CallersFrames(r.Stack())
	for {
		fr, more := frames.Next()
		fmt.Fprintf(&b, "\t%s (%s:%d)\n", fr.Function, fr.File, fr.Line)
		if !more {
			return b.String()
		}
	}
}

// checkFiled checks that the letter made one ticket whose stored bytes are
// raw, with files of the given names and contents.
func checkFiled(t *testing.T, f *fixture, raw []byte, files map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	page, err := f.db.FindTickets(ctx, store.TicketFilter{})
	if err != nil || page.Total != 1 {
		t.Fatalf("FindTickets = %d tickets, %v; want 1", page.Total, err)
	}
	id := page.Tickets[0].ID
	ms, err := f.db.Messages(ctx, id)
	if err != nil || len(ms) == 0 {
		t.Fatalf("Messages = %d, %v", len(ms), err)
	}
	got, err := f.db.Raw(ctx, ms[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, raw) {
		t.Errorf("stored letter: %d bytes, want the %d fetched", len(got), len(raw))
	}
	stored, err := f.db.AttachmentsOfTicket(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range stored[ms[0].ID] {
		want, ok := files[a.OriginalName]
		if !ok {
			t.Errorf("unexpected file %q", a.OriginalName)
			continue
		}
		seen[a.OriginalName] = true
		sum := sha256.Sum256(want)
		if a.SHA256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(want)) {
			t.Errorf("%s: stored as %d bytes %s, want %d bytes %x", a.OriginalName, a.Size, a.SHA256, len(want), sum)
		}
		data, err := f.db.Blob(ctx, a.SHA256)
		if err != nil {
			t.Errorf("%s: %v", a.OriginalName, err)
			continue
		}
		if !bytes.Equal(data, want) {
			t.Errorf("%s: the stored bytes differ from the file sent", a.OriginalName)
		}
	}
	if len(seen) != len(files) {
		t.Errorf("stored files %v, want %d", seen, len(files))
	}
}

// TestFetchIntoSpoolsLargeLetters checks that a letter above spoolAbove is
// spooled, whole, and a smaller one held in a buffer of its exact size.
func TestFetchIntoSpoolsLargeLetters(t *testing.T) {
	f := newFixture(t)
	big := letter("a@example.ru", "Скриншоты", "big@x", strings.Repeat("строка письма\r\n", 100000))
	small := letter("b@example.ru", "Вопрос", "small@x", "Текст")
	for _, raw := range [][]byte{big, small} {
		if err := f.imap.Append("INBOX", raw); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	s, err := f.d.open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	var set imap.UIDSet
	set.AddRange(1, 2)
	got := map[imap.UID]fetched{}
	defer discard(ctx, f.d.Log, got)
	if err := f.d.fetchInto(ctx, s, set, wholeLetter, got); err != nil {
		t.Fatal(err)
	}
	sp := got[1].spool
	if sp == nil || got[1].raw != nil {
		t.Fatalf("the %d byte letter was not spooled", len(big))
	}
	back, err := io.ReadAll(io.NewSectionReader(sp, 0, sp.Size()))
	if err != nil || !bytes.Equal(back, big) {
		t.Errorf("spooled letter read back: %d bytes, %v; want the %d appended", len(back), err, len(big))
	}
	if sum := sha256.Sum256(big); sp.SHA256() != hex.EncodeToString(sum[:]) {
		t.Errorf("spool SHA-256 = %s, want %x", sp.SHA256(), sum)
	}
	b := got[2].raw
	if !bytes.Equal(b, small) || cap(b) != len(b) {
		t.Errorf("small letter: %d bytes in a buffer of %d, want the %d appended, exact", len(b), cap(b), len(small))
	}
}
