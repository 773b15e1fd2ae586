package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// allocSites is what the memory profile says each allocation site
// allocated, by its stack.
type allocSites map[[32]uintptr]struct{ bytes, objects int64 }

// profileSites reads the memory profile, after the garbage collections
// that publish it.
func profileSites() allocSites {
	runtime.GC()
	runtime.GC()
	var rs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		rs = make([]runtime.MemProfileRecord, n+50)
		var ok bool
		if n, ok = runtime.MemProfile(rs, true); ok {
			rs = rs[:n]
			break
		}
	}
	sites := allocSites{}
	for _, r := range rs {
		s := sites[r.Stack0]
		s.bytes += r.AllocBytes
		s.objects += r.AllocObjects
		sites[r.Stack0] = s
	}
	return sites
}

// bigAllocations returns the sites that allocated objects of at least
// limit bytes on average since before, as their stacks.
func bigAllocations(before, after allocSites, limit int64) []string {
	var big []string
	for stack, a := range after {
		b := before[stack]
		objects, bytes := a.objects-b.objects, a.bytes-b.bytes
		if objects <= 0 || bytes/objects < limit {
			continue
		}
		var frames []string
		fs := runtime.CallersFrames(stack[:])
		for {
			f, more := fs.Next()
			if f.Function != "" {
				frames = append(frames, f.Function)
			}
			if !more {
				break
			}
		}
		big = append(big, fmt.Sprintf("%d objects of %d bytes on average at %s", objects, bytes/objects, strings.Join(frames, " < ")))
	}
	return big
}

// TestSpoolingALargeLetterHoldsPiecesOnly spools a 30 MB letter and files
// it, and checks with the memory profile that no allocation on the way
// was of 4 MiB or more: the letter is never held whole, only pieces of
// chunkSize (and what the database driver makes of them).
func TestSpoolingALargeLetterHoldsPiecesOnly(t *testing.T) {
	forBoth(t, func(t *testing.T, db *DB, sealed bool) {
		ctx := context.Background()
		rate := runtime.MemProfileRate
		runtime.MemProfileRate = 1
		defer func() { runtime.MemProfileRate = rate }()
		block := []byte(strings.Repeat("0123456789abcdef", 64<<10/16))
		const size = 30 << 20
		before := profileSites()

		s, err := db.NewSpool(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for n := 0; n < size; n += len(block) {
			block[0] = byte(n >> 16) // each block its own
			h.Write(block)
			if _, err := s.Write(block); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		in := inbound("thirty@x", "", 1)
		in.Raw, in.Spool = nil, s
		res, err := db.Ingest(ctx, in, ack)
		if err != nil {
			t.Fatal(err)
		}

		after := profileSites()
		runtime.MemProfileRate = rate
		if big := bigAllocations(before, after, 4<<20); len(big) > 0 {
			t.Errorf("spooling and filing a %d-byte letter allocated:\n%s", size, strings.Join(big, "\n"))
		}
		ms := must(db.Messages(ctx, res.Ticket.ID))
		if want := hex.EncodeToString(h.Sum(nil)); ms[0].Size != size || ms[0].RawSHA256 != want {
			t.Errorf("the letter filed: %d bytes, SHA-256 %s; want %d, %s", ms[0].Size, ms[0].RawSHA256, size, want)
		}
		var pieces int
		if err := db.sql.QueryRow("SELECT COUNT(*) FROM chunks WHERE owner = ?", messageOwner(ms[0].ID)).Scan(&pieces); err != nil || pieces != 30 {
			t.Errorf("the letter has %d pieces, %v; want 30", pieces, err)
		}
	})
}

// TestBigAllocationsAreSeen checks that the check above sees a buffer the
// size of a letter when one is made.
func TestBigAllocationsAreSeen(t *testing.T) {
	rate := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = rate }()
	before := profileSites()
	whole := make([]byte, 30<<20)
	whole[len(whole)-1] = 1
	after := profileSites()
	if big := bigAllocations(before, after, 4<<20); len(big) != 1 || !strings.Contains(big[0], "TestBigAllocationsAreSeen") {
		t.Errorf("a 30 MB buffer made: the check found %q", big)
	}
	runtime.KeepAlive(whole)
}
