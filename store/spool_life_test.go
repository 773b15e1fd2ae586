package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// TestSpooledLettersThroughTheStoreLife files spooled letters with files
// put beforehand, in a store without a key and then with one, and takes
// them through seal-existing, a key rotation, an export's reads, a purge
// and a sweep, verifying the store at each step.
func TestSpooledLettersThroughTheStoreLife(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	location := testLocation(t, "ticketd.db")
	db, err := Open(ctx, location)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetClock(func() time.Time { return now })
	verify := func(when string) {
		t.Helper()
		if _, err := db.VerifyChain(ctx, VerifyOptions{}); err != nil {
			t.Fatalf("%s: VerifyChain: %v", when, err)
		}
	}

	// What each ticket holds, to read back.
	type filed struct {
		ticket Ticket
		raw    []byte
		files  [][]byte
	}
	var letters []filed
	uid := uint32(0)
	file := func(raw []byte, spooled bool, files ...[]byte) {
		t.Helper()
		uid++
		in := inbound("life"+string(rune('a'+uid))+"@x", "", uid)
		in.Raw = raw
		if spooled {
			in.Raw, in.Spool = nil, spoolOf(t, db, raw)
		}
		if len(files) > 0 {
			in.Attachments = []Attachment{putFiles(t, db, "photo.jpg", files...)}
		}
		res, err := db.Ingest(ctx, in, ack)
		if err != nil {
			t.Fatal(err)
		}
		letters = append(letters, filed{res.Ticket, raw, files})
	}
	readBack := func(when string) {
		t.Helper()
		for _, l := range letters {
			ts, err := db.ExportTickets(ctx, ExportQuery{Number: l.ticket.Number})
			if err != nil || len(ts) != 1 {
				t.Fatalf("%s: ExportTickets(%s) = %d tickets, %v", when, l.ticket.Number, len(ts), err)
			}
			ms := must(db.Messages(ctx, l.ticket.ID))
			if got, err := db.Raw(ctx, ms[0].ID); err != nil || !bytes.Equal(got, l.raw) {
				t.Errorf("%s: %s: Raw = %d bytes, %v; want the %d filed", when, l.ticket.Number, len(got), err, len(l.raw))
			}
			atts := must(db.AttachmentsOfTicket(ctx, l.ticket.ID))[ms[0].ID]
			if len(atts) != min(len(l.files), 1) {
				t.Fatalf("%s: %s: %d files, want %d", when, l.ticket.Number, len(atts), min(len(l.files), 1))
			}
			if len(atts) == 0 {
				continue
			}
			for i, sum := range []string{atts[0].SHA256, atts[0].ThumbnailSHA256, atts[0].DisplaySHA256}[:len(l.files)] {
				if got, err := db.Blob(ctx, sum); err != nil || !bytes.Equal(got, l.files[i]) {
					t.Errorf("%s: %s: file %d = %d bytes, %v", when, l.ticket.Number, i, len(got), err)
				}
			}
		}
	}

	photo, thumb, display := bigValue(2*chunkSize+5), []byte("thumb of the photo"), bigValue(chunkSize+7)
	display[0] = 'D'
	file(bigValue(3*chunkSize+1), true, photo, thumb, display)
	file([]byte("Subject: small\r\n\r\na small letter, spooled"), true, []byte("small file"))
	file([]byte("Subject: whole\r\n\r\ngiven whole"), false)
	unfiled := spoolOf(t, db, bigValue(chunkSize+9)) // being fetched when the store gets its key
	verify("without a key")
	readBack("without a key")

	keyPath, _ := newKeyFile(t, t.TempDir())
	if err := db.UseKeyFile(ctx, keyPath); err != nil {
		t.Fatal(err)
	}
	res, err := db.SealExisting(ctx, SealOptions{Actor: "cli:test"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Letters != 6 || res.Files != 4 || res.Pieces != 4+3+2 {
		t.Errorf("SealExisting = %+v; want 6 letters (3 in, 3 answers), 4 files, 9 pieces", res.SealCounts)
	}
	if spools, pieces := spoolCounts(t, db); spools != 0 || pieces != 0 {
		t.Errorf("after SealExisting: %d spools, %d spool pieces; the plain spool should be gone", spools, pieces)
	}
	if _, err := unfiled.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("the plain spool after SealExisting: %v, want ErrNotFound", err)
	}
	var plain int
	if err := db.sql.QueryRow("SELECT COUNT(*) FROM blobs WHERE sealed = 0").Scan(&plain); err != nil || plain != 0 {
		t.Errorf("%d files left plain, %v", plain, err)
	}
	verify("after seal-existing")
	readBack("after seal-existing")

	other := bigValue(2 * chunkSize)
	other[5] = 'O'
	file(bigValue(2*chunkSize+3), true, other, []byte("another thumb"))
	verify("with a key")
	readBack("with a key")

	if _, err := db.RotateKeyFile(ctx, keyPath, "cli:root"); err != nil {
		t.Fatal(err)
	}
	verify("after rotation")
	readBack("after rotation")
	reopened, err := Open(ctx, location)
	if err != nil {
		t.Fatal(err)
	}
	if err := reopened.UseKeyFile(ctx, keyPath); err != nil {
		t.Fatalf("the rotated key file: %v", err)
	}
	if got, err := reopened.Blob(ctx, sha256Hex(photo)); err != nil || !bytes.Equal(got, photo) {
		t.Errorf("the photo with the rotated key file = %d bytes, %v", len(got), err)
	}
	reopened.Close()

	// Purge the tickets with photos, then put the photo again, as for a
	// letter that never gets filed: the sweep empties it again.
	ds, err := db.DueDeliveries(ctx, now.Add(time.Hour), 100)
	if err == nil {
		err = db.MarkAllSent(ctx, ds, now)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 3} {
		if err := db.SetStatus(ctx, letters[i].ticket.Number, 0, StatusClosed, "operator:anna"); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(400 * day)
	rep, err := db.Purge(ctx, PurgeOptions{Policy: policyOf(365*day, nil), Actor: "operator:olga"})
	if err != nil || len(rep.Tickets) != 2 {
		t.Fatalf("Purge = %+v, %v; want the 2 closed tickets", rep.Tickets, err)
	}
	verify("after the purge")
	if _, err := db.Blob(ctx, sha256Hex(photo)); !errors.Is(err, ErrPurged) {
		t.Errorf("the purged photo: %v, want ErrPurged", err)
	}
	if err := db.PutFile(ctx, sha256Hex(photo), int64(len(photo)), bytes.NewReader(photo)); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * day)
	if n, err := db.SweepSpools(ctx, now.Add(-day)); err != nil || n != 1 {
		t.Errorf("SweepSpools = %d, %v; want the photo put again", n, err)
	}
	if _, err := db.Blob(ctx, sha256Hex(photo)); !errors.Is(err, ErrPurged) {
		t.Errorf("the photo put again, after the sweep: %v, want ErrPurged", err)
	}
	verify("after the sweep")
	letters = letters[1:3]
	readBack("after the purge and the sweep")
}
