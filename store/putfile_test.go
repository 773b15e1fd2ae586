package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// failingReader fails the test that reads it: PutFile must not read a
// file stored before.
type failingReader struct{ t *testing.T }

func (r failingReader) Read([]byte) (int, error) {
	r.t.Error("PutFile read a file stored before")
	return 0, io.EOF
}

// storedRows returns how many blobs and pieces the store has.
func storedRows(t *testing.T, db *DB) (blobs, pieces int) {
	t.Helper()
	if err := db.sql.QueryRow("SELECT COUNT(*) FROM blobs").Scan(&blobs); err != nil {
		t.Fatal(err)
	}
	if err := db.sql.QueryRow("SELECT COUNT(*) FROM chunks").Scan(&pieces); err != nil {
		t.Fatal(err)
	}
	return blobs, pieces
}

func TestPutFile(t *testing.T) {
	forBoth(t, func(t *testing.T, db *DB, sealed bool) {
		ctx := context.Background()
		for _, n := range []int{0, 5, chunkSize, chunkSize + 1, 3*chunkSize + 77} {
			file := bigValue(n)
			sum := sha256Hex(file)
			other := append(bytes.Clone(file), 'x')
			refused := []struct {
				name string
				sum  string
				size int64
				r    io.Reader
			}{
				{"other bytes", sum, int64(n), bytes.NewReader(append([]byte{'y'}, file[min(n, 1):]...)[:n])},
				{"more bytes than announced", sum, int64(n), bytes.NewReader(other)},
				{"fewer bytes than announced", sum, int64(n) + 1, bytes.NewReader(file)},
				{"a read error", sum, int64(n) + 10, io.MultiReader(bytes.NewReader(file), errReader{})},
				{"not a SHA-256", strings.ToUpper(sum), int64(n), bytes.NewReader(file)},
			}
			for _, c := range refused {
				if n == 0 && c.name == "other bytes" {
					continue // no other bytes of length 0
				}
				if err := db.PutFile(ctx, c.sum, c.size, c.r); err == nil {
					t.Errorf("%d bytes: PutFile of %s succeeded", n, c.name)
				}
				if blobs, pieces := storedRows(t, db); blobs != 0 || pieces != 0 {
					t.Fatalf("%d bytes: PutFile of %s kept %d blobs, %d pieces", n, c.name, blobs, pieces)
				}
			}
			if err := db.PutFile(ctx, sum, int64(n), bytes.NewReader(file)); err != nil {
				t.Fatalf("%d bytes: PutFile: %v", n, err)
			}
			if got, err := db.Blob(ctx, sum); err != nil || !bytes.Equal(got, file) {
				t.Errorf("%d bytes: Blob = %d bytes, %v", n, len(got), err)
			}
			if err := db.PutFile(ctx, sum, int64(n), failingReader{t}); err != nil {
				t.Errorf("%d bytes: PutFile again: %v", n, err)
			}
			// Purged, the file comes back with the next letter that has it.
			if _, err := db.sql.Exec("UPDATE blobs SET data = ?, sealed = 0, chunks = 0, purged_at = 1 WHERE sha256 = ?", []byte{}, sum); err != nil {
				t.Fatal(err)
			}
			if _, err := db.sql.Exec("DELETE FROM chunks WHERE owner = ?", blobOwner(sum)); err != nil {
				t.Fatal(err)
			}
			if err := db.PutFile(ctx, sum, int64(n), bytes.NewReader(file)); err != nil {
				t.Fatalf("%d bytes: PutFile of a purged file: %v", n, err)
			}
			if got, err := db.Blob(ctx, sum); err != nil || !bytes.Equal(got, file) {
				t.Errorf("%d bytes: Blob of the restored file = %d bytes, %v", n, len(got), err)
			}
			var stored []byte
			if n > chunkSize {
				err := db.sql.QueryRow("SELECT data FROM chunks WHERE owner = ? AND seq = 0", blobOwner(sum)).Scan(&stored)
				if err != nil {
					t.Fatal(err)
				}
			} else if err := db.sql.QueryRow("SELECT data FROM blobs WHERE sha256 = ?", sum).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if n > 0 && bytes.Equal(stored, file[:min(n, chunkSize)]) == sealed {
				t.Errorf("%d bytes: stored plain in a sealed store, or sealed in a plain one", n)
			}
			if _, err := db.sql.Exec("DELETE FROM chunks"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.sql.Exec("DELETE FROM blobs"); err != nil {
				t.Fatal(err)
			}
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("the spool's store failed") }

// putFiles stores files with PutFile and returns a Stored attachment of
// the first, with the second as thumbnail and the third as display copy
// when given.
func putFiles(t *testing.T, db *DB, name string, files ...[]byte) Attachment {
	t.Helper()
	var sums []string
	for _, f := range files {
		sum := sha256Hex(f)
		if err := db.PutFile(context.Background(), sum, int64(len(f)), bytes.NewReader(f)); err != nil {
			t.Fatal(err)
		}
		sums = append(sums, sum)
	}
	a := Attachment{Filename: name, Verdict: VerdictAccepted, Stored: true, SHA256: sums[0], Size: int64(len(files[0]))}
	if len(sums) > 1 {
		a.ThumbnailSHA256 = sums[1]
	}
	if len(sums) > 2 {
		a.DisplaySHA256 = sums[2]
	}
	return a
}

func TestStoredAttachments(t *testing.T) {
	forBoth(t, func(t *testing.T, db *DB, sealed bool) {
		ctx := context.Background()
		photo, thumb, display := bigValue(2*chunkSize+9), []byte("thumb"), bigValue(chunkSize+3)
		display[0] = 'D'
		in := inbound("photo@x", "", 1)
		in.Raw, in.Spool = nil, spoolOf(t, db, bigValue(chunkSize+50))
		in.Attachments = []Attachment{putFiles(t, db, "photo.jpg", photo, thumb, display), putFiles(t, db, "a.txt", []byte("text"))}
		res, err := db.Ingest(ctx, in, ack)
		if err != nil {
			t.Fatal(err)
		}
		f, err := db.AttachmentFile(ctx, res.Ticket.ID, sha256Hex(photo))
		if err != nil {
			t.Fatal(err)
		}
		if f.Size != int64(len(photo)) || f.ThumbnailSHA256 != sha256Hex(thumb) || f.DisplaySHA256 != sha256Hex(display) {
			t.Errorf("AttachmentFile = %+v", f)
		}
		for _, want := range [][]byte{photo, thumb, display, []byte("text")} {
			if got, err := db.Blob(ctx, sha256Hex(want)); err != nil || !bytes.Equal(got, want) {
				t.Errorf("Blob of %d bytes = %d bytes, %v", len(want), len(got), err)
			}
		}
		atts := must(db.AttachmentsOfTicket(ctx, res.Ticket.ID))
		for _, as := range atts {
			if len(as) != 2 || as[0].ThumbnailSHA256 != sha256Hex(thumb) || as[1].DisplaySHA256 != "" {
				t.Errorf("AttachmentsOfTicket = %+v", as)
			}
		}
		// A file named but not stored, and one a purge emptied.
		if _, err := db.sql.Exec("UPDATE blobs SET data = ?, purged_at = 1 WHERE sha256 = ?", []byte{}, sha256Hex([]byte("text"))); err != nil {
			t.Fatal(err)
		}
		for i, a := range []Attachment{
			{Filename: "gone.pdf", Stored: true, SHA256: sha256Hex([]byte("gone")), Verdict: VerdictAccepted},
			{Filename: "thumb gone.jpg", Stored: true, SHA256: sha256Hex(photo), ThumbnailSHA256: sha256Hex([]byte("gone")), Verdict: VerdictAccepted},
			{Filename: "display gone.jpg", Stored: true, SHA256: sha256Hex(photo), DisplaySHA256: sha256Hex([]byte("gone")), Verdict: VerdictAccepted},
			{Filename: "purged.txt", Stored: true, SHA256: sha256Hex([]byte("text")), Verdict: VerdictAccepted},
			{Filename: "no sum.txt", Stored: true, Verdict: VerdictAccepted},
		} {
			in := inbound("missing@x", "raw missing "+a.Filename, uint32(10+i))
			in.Attachments = []Attachment{a}
			if _, err := db.Ingest(ctx, in, ack); !errors.Is(err, ErrFileMissing) {
				t.Errorf("%s: Ingest = %v, want ErrFileMissing", a.Filename, err)
			}
		}
		if _, err := db.VerifyChain(ctx, VerifyOptions{}); err == nil {
			t.Error("VerifyChain passed with a file emptied by hand")
		}
		putFiles(t, db, "text again", []byte("text"))
		if _, err := db.VerifyChain(ctx, VerifyOptions{}); err != nil {
			t.Errorf("VerifyChain once the file is put again: %v", err)
		}
	})
}

func TestSweepSpools(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	old := spoolOf(t, db, bigValue(chunkSize+1))
	stray := bigValue(chunkSize + 2)
	filed := putFiles(t, db, "filed.pdf", bigValue(chunkSize+3), []byte("thumbnail"), []byte("display copy"))
	putFiles(t, db, "stray.pdf", stray)
	in := inbound("filed@x", "raw filed", 1)
	in.Attachments = []Attachment{filed, {Filename: "whole.txt", Verdict: VerdictAccepted, Data: []byte("given whole")}}
	if _, err := db.Ingest(ctx, in, ack); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * day)
	young := spoolOf(t, db, []byte("a spool being filled"))
	dead, err := db.NewSpool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A process of this host that no longer runs (pid 2^22+ is above
	// Linux's pid_max).
	if _, err := db.sql.Exec("UPDATE spools SET holder = ? WHERE id = ?", localHost()+":4194999:x", dead.id); err != nil {
		t.Fatal(err)
	}
	n, err := db.SweepSpools(ctx, now.Add(-day))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("SweepSpools = %d, want 3: the old spool, the dead process's, the stray file", n)
	}
	if _, err := old.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("the old spool after the sweep: %v, want ErrNotFound", err)
	}
	if p := make([]byte, 4); must(young.ReadAt(p, 3)) != 4 || string(p) != "pool" {
		t.Errorf("the young spool after the sweep: %q", p)
	}
	if _, err := db.Blob(ctx, sha256Hex(stray)); !errors.Is(err, ErrNotFound) {
		t.Errorf("the stray file after the sweep: %v, want ErrNotFound", err)
	}
	for _, sum := range []string{filed.SHA256, filed.ThumbnailSHA256, filed.DisplaySHA256, sha256Hex([]byte("given whole"))} {
		if _, err := db.Blob(ctx, sum); err != nil {
			t.Errorf("a filed file after the sweep: %v", err)
		}
	}
	var strayPieces int
	if err := db.sql.QueryRow("SELECT COUNT(*) FROM chunks WHERE owner = ?", blobOwner(sha256Hex(stray))).Scan(&strayPieces); err != nil || strayPieces != 0 {
		t.Errorf("the stray file's pieces: %d, %v", strayPieces, err)
	}
	if spools, _ := spoolCounts(t, db); spools != 1 {
		t.Errorf("%d spools left, want the young one", spools)
	}
	// A file stored again (PutFile) is young again: its letter is coming.
	now = now.Add(10 * day)
	if err := db.PutFile(ctx, sha256Hex(stray), int64(len(stray)), bytes.NewReader(stray)); err != nil {
		t.Fatal(err)
	}
	old2 := now
	now = now.Add(5 * day)
	if err := db.PutFile(ctx, sha256Hex(stray), int64(len(stray)), failingReader{t}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.SweepSpools(ctx, old2.Add(day)); err != nil || n != 1 || must(db.Blob(ctx, sha256Hex(stray))) == nil {
		t.Errorf("SweepSpools after the file was put again = %d, %v; want only the young spool swept, the file kept", n, err)
	}
	if _, err := db.VerifyChain(ctx, VerifyOptions{}); err != nil {
		t.Errorf("VerifyChain after the sweeps: %v", err)
	}
}

// TestPutFileTwiceAtOnce puts the same file from two processes' stores at
// once: both succeed, and the file is stored once.
func TestPutFileTwiceAtOnce(t *testing.T) {
	ctx := context.Background()
	location := testLocation(t, "ticketd.db")
	var dbs [2]*DB
	for i := range dbs {
		db, err := Open(ctx, location)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	file := bigValue(3*chunkSize + 1)
	sum := sha256Hex(file)
	errs := make(chan error, len(dbs))
	for _, db := range dbs {
		go func() { errs <- db.PutFile(ctx, sum, int64(len(file)), bytes.NewReader(file)) }()
	}
	for range dbs {
		if err := <-errs; err != nil {
			t.Errorf("PutFile: %v", err)
		}
	}
	if got, err := dbs[0].Blob(ctx, sum); err != nil || !bytes.Equal(got, file) {
		t.Errorf("Blob = %d bytes, %v", len(got), err)
	}
	if blobs, pieces := storedRows(t, dbs[1]); blobs != 1 || pieces != 4 {
		t.Errorf("%d blobs, %d pieces; want 1 and 4", blobs, pieces)
	}
}
