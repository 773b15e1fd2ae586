package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// keyed opens a test store, with a key when sealed.
func keyed(t *testing.T, sealed bool) *DB {
	t.Helper()
	db := openTest(t)
	if sealed {
		if err := db.UseKey(testKey(7)); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// forBoth runs f on a store without a key and on one with a key.
func forBoth(t *testing.T, f func(t *testing.T, db *DB, sealed bool)) {
	for _, sealed := range []bool{false, true} {
		name := "plain"
		if sealed {
			name = "sealed"
		}
		t.Run(name, func(t *testing.T) { f(t, keyed(t, sealed), sealed) })
	}
}

// spoolOf writes value to a new spool in writes of odd sizes and closes it.
func spoolOf(t *testing.T, db *DB, value []byte) *Spool {
	t.Helper()
	s, err := db.NewSpool(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{1, 7, 4093, 65537, chunkSize - 3, 3 * chunkSize}
	for i, rest := 0, value; len(rest) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(rest))
		if k, err := s.Write(rest[:n]); err != nil || k != n {
			t.Fatalf("Write(%d bytes) = %d, %v", n, k, err)
		}
		rest = rest[n:]
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return s
}

// spoolCounts returns how many spools and spool pieces the store has.
func spoolCounts(t *testing.T, db *DB) (spools, pieces int) {
	t.Helper()
	if err := db.sql.QueryRow("SELECT COUNT(*) FROM spools").Scan(&spools); err != nil {
		t.Fatal(err)
	}
	if err := db.sql.QueryRow("SELECT COUNT(*) FROM chunks WHERE owner LIKE 'spool:%'").Scan(&pieces); err != nil {
		t.Fatal(err)
	}
	return spools, pieces
}

func TestSpoolRoundTrip(t *testing.T) {
	forBoth(t, func(t *testing.T, db *DB, sealed bool) {
		for _, n := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 2*chunkSize + 12345} {
			value := bigValue(n)
			s := spoolOf(t, db, value)
			if s.Size() != int64(n) || s.SHA256() != sha256Hex(value) {
				t.Errorf("%d bytes: Size, SHA256 = %d, %s; want %d, %s", n, s.Size(), s.SHA256(), n, sha256Hex(value))
			}
			if _, err := s.Write([]byte("x")); err == nil {
				t.Errorf("%d bytes: Write after Close succeeded", n)
			}
			rng := rand.New(rand.NewPCG(uint64(n), 1))
			for range 50 {
				off := rng.Int64N(int64(n) + 1)
				p := make([]byte, rng.IntN(3*chunkSize/2)+1)
				got, err := s.ReadAt(p, off)
				want := min(len(p), n-int(off))
				if got != want || !bytes.Equal(p[:got], value[off:off+int64(got)]) {
					t.Fatalf("%d bytes: ReadAt(%d bytes, %d) = %d bytes (equal: %v), %v; want %d",
						n, len(p), off, got, bytes.Equal(p[:got], value[off:off+int64(got)]), err, want)
				}
				if (err == io.EOF) != (got < len(p)) || err != nil && err != io.EOF {
					t.Fatalf("%d bytes: ReadAt(%d bytes, %d) = %d, %v", n, len(p), off, got, err)
				}
			}
			var stored []byte
			if n > 0 {
				if err := db.sql.QueryRow("SELECT data FROM chunks WHERE owner = ? AND seq = 0", spoolOwner(s.id)).Scan(&stored); err != nil {
					t.Fatal(err)
				}
				if plain := bytes.Equal(stored, value[:min(n, chunkSize)]); plain == sealed {
					t.Errorf("%d bytes: the first piece is stored plain: %v, want %v", n, plain, !sealed)
				}
			}
			if err := s.Discard(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ReadAt(make([]byte, 1), 0); n > chunkSize && !errors.Is(err, ErrNotFound) {
				t.Errorf("%d bytes: ReadAt after Discard: %v, want ErrNotFound", n, err)
			}
		}
		if spools, pieces := spoolCounts(t, db); spools != 0 || pieces != 0 {
			t.Errorf("after Discard: %d spools, %d pieces; want none", spools, pieces)
		}
	})
}

func TestSpoolReadsBeforeClose(t *testing.T) {
	db := openTest(t)
	s, err := db.NewSpool(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	value := bigValue(chunkSize + 100)
	if _, err := s.Write(value); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 200)
	if n, err := s.ReadAt(p, chunkSize-100); n != 200 || err != nil || !bytes.Equal(p, value[chunkSize-100:]) {
		t.Errorf("ReadAt across the stored piece and the one being written = %d, %v", n, err)
	}
	if s.SHA256() != "" {
		t.Errorf("SHA256 before Close = %q, want \"\"", s.SHA256())
	}
	if _, err := db.Ingest(context.Background(), Inbound{Spool: s, MessageID: "open@x"}, nil); err == nil {
		t.Error("Ingest of a spool not closed succeeded")
	}
}

func TestIngestFromSpool(t *testing.T) {
	forBoth(t, func(t *testing.T, db *DB, sealed bool) {
		ctx := context.Background()
		for i, n := range []int{100, chunkSize, chunkSize + 1, 3*chunkSize + 5} {
			raw := bigValue(n)
			raw[0] = byte('A' + i)
			in := inbound("spooled"+string(rune('a'+i))+"@x", "", uint32(10*i+1))
			in.Raw, in.Spool = nil, spoolOf(t, db, raw)
			res, err := db.Ingest(ctx, in, ack)
			if err != nil || res.Duplicate {
				t.Fatalf("%d bytes: Ingest = %+v, %v", n, res, err)
			}
			ms, err := db.Messages(ctx, res.Ticket.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ms[0].Size != int64(n) || ms[0].RawSHA256 != sha256Hex(raw) {
				t.Errorf("%d bytes: the letter's size, SHA-256 = %d, %s", n, ms[0].Size, ms[0].RawSHA256)
			}
			if got, err := db.Raw(ctx, ms[0].ID); err != nil || !bytes.Equal(got, raw) {
				t.Errorf("%d bytes: Raw = %d bytes, %v; not the letter spooled", n, len(got), err)
			}
			if err := in.Spool.Discard(ctx); err != nil {
				t.Errorf("%d bytes: Discard after Ingest: %v", n, err)
			}
			if got, err := db.Raw(ctx, ms[0].ID); err != nil || !bytes.Equal(got, raw) {
				t.Errorf("%d bytes: Raw after Discard = %d bytes, %v", n, len(got), err)
			}
			// The same bytes again, spooled: a second delivery, and its
			// spool is gone with it.
			again := in
			again.UID++
			again.Spool = spoolOf(t, db, raw)
			if res, err := db.Ingest(ctx, again, ack); err != nil || !res.Duplicate {
				t.Errorf("%d bytes: the same letter spooled again = %+v, %v; want a duplicate", n, res, err)
			}
			// And given whole, as a small letter is.
			again.UID++
			again.Spool, again.Raw = nil, raw
			if res, err := db.Ingest(ctx, again, ack); err != nil || !res.Duplicate {
				t.Errorf("%d bytes: the same letter given whole = %+v, %v; want a duplicate", n, res, err)
			}
		}
		if spools, pieces := spoolCounts(t, db); spools != 0 || pieces != 0 {
			t.Errorf("after filing: %d spools, %d pieces are left", spools, pieces)
		}
		if _, err := db.VerifyChain(ctx, VerifyOptions{}); err != nil {
			t.Errorf("VerifyChain: %v", err)
		}
	})
}

func TestFailedIngestLeavesTheSpool(t *testing.T) {
	forBoth(t, func(t *testing.T, db *DB, sealed bool) {
		ctx := context.Background()
		raw := bigValue(2*chunkSize + 3)
		in := inbound("fails@x", "", 1)
		in.Raw, in.Spool = nil, spoolOf(t, db, raw)
		missing := sha256Hex([]byte("never stored"))
		in.Attachments = []Attachment{{Filename: "a.pdf", Verdict: VerdictAccepted, Stored: true, SHA256: missing, Size: 12}}
		if _, err := db.Ingest(ctx, in, ack); !errors.Is(err, ErrFileMissing) {
			t.Fatalf("Ingest naming a file not stored: %v, want ErrFileMissing", err)
		}
		p := make([]byte, len(raw))
		if n, err := in.Spool.ReadAt(p, 0); n != len(raw) || err != nil || !bytes.Equal(p, raw) {
			t.Fatalf("ReadAt after the failed Ingest = %d, %v", n, err)
		}
		// The daemon files it bare.
		in.Attachments = nil
		res, err := db.Ingest(ctx, in, ack)
		if err != nil {
			t.Fatal(err)
		}
		ms := must(db.Messages(ctx, res.Ticket.ID))
		if got, err := db.Raw(ctx, ms[0].ID); err != nil || !bytes.Equal(got, raw) {
			t.Errorf("Raw = %d bytes, %v", len(got), err)
		}
	})
}

func TestSpoolConcurrentReads(t *testing.T) {
	forBoth(t, func(t *testing.T, db *DB, sealed bool) {
		value := bigValue(4*chunkSize + 321)
		s := spoolOf(t, db, value)
		errs := make(chan error, 4)
		for g := range 4 {
			go func() {
				rng := rand.New(rand.NewPCG(uint64(g), 2))
				for range 40 {
					off := rng.Int64N(int64(len(value)))
					p := make([]byte, rng.IntN(chunkSize/4)+1)
					n, err := s.ReadAt(p, off)
					if err != nil && err != io.EOF || !bytes.Equal(p[:n], value[off:off+int64(n)]) {
						errs <- fmt.Errorf("ReadAt(%d bytes, %d) = %d, %v", len(p), off, n, err)
						return
					}
				}
				errs <- nil
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
}

// TestBatchFilesASpool files a spooled letter in a batch: a letter that
// fails on its savepoint leaves the spool for the next try, and a batch
// rolled back leaves it too.
func TestBatchFilesASpool(t *testing.T) {
	forBoth(t, func(t *testing.T, db *DB, sealed bool) {
		ctx := context.Background()
		raw := bigValue(2*chunkSize + 17)
		in := inbound("batch@x", "", 1)
		in.Raw, in.Spool = nil, spoolOf(t, db, raw)
		missing := Attachment{Filename: "a.pdf", Verdict: VerdictAccepted, Stored: true, SHA256: sha256Hex([]byte("not stored"))}
		b, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bare := in
		in.Attachments = []Attachment{missing}
		if _, err := b.Ingest(ctx, in, ack); !errors.Is(err, ErrFileMissing) {
			t.Fatalf("Batch.Ingest naming a file not stored: %v, want ErrFileMissing", err)
		}
		if _, err := b.Ingest(ctx, bare, ack); err != nil {
			t.Fatal(err)
		}
		b.Rollback()
		if spools, pieces := spoolCounts(t, db); spools != 1 || pieces != 3 {
			t.Fatalf("after the batch rolled back: %d spools, %d pieces; want the spool whole", spools, pieces)
		}
		if b, err = db.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		res, err := b.Ingest(ctx, bare, ack)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Raw(ctx, must(db.Messages(ctx, res.Ticket.ID))[0].ID); err != nil || !bytes.Equal(got, raw) {
			t.Errorf("Raw = %d bytes, %v", len(got), err)
		}
		if spools, pieces := spoolCounts(t, db); spools != 0 || pieces != 0 {
			t.Errorf("after the batch: %d spools, %d pieces left", spools, pieces)
		}
	})
}
