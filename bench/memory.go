package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/ticketd/ticketd/store"
)

// memoryLetter is one letter of (d) and the max_message_mb it is read with.
type memoryLetter struct {
	name         string // short, for the JSON and the mailboxes
	what         string // for the printed summary
	raw          []byte
	files        int
	maxMessageMB int
}

// memoryLetterNames are the names of memoryLetters, in order.
func memoryLetterNames() []string { return []string{"screenshots-25", "opaque-25", "screenshots-60"} }

// parseMemoryLetters checks the -memory-letters flag: names of
// memoryLetters, or "none".
func parseMemoryLetters(s string) ([]string, error) {
	if s == "none" {
		return nil, nil
	}
	names := strings.Split(s, ",")
	for _, n := range names {
		if !slices.Contains(memoryLetterNames(), n) {
			return nil, fmt.Errorf("-memory-letters: %q is none of %s", n, strings.Join(memoryLetterNames(), ", "))
		}
	}
	return names, nil
}

// memoryLetters are the letters of (d): about 25 MB of screenshots and
// photos; about 25 MB of one opaque attachment (random bytes, base64,
// application/octet-stream, larger than the policy's maximum); and about
// 60 MB of screenshots and photos, read with max_message_mb = 70.
func memoryLetters(gen *generator, pool *screenshotPool, seed uint64) []memoryLetter {
	// shots takes screenshots until they pass least bytes, leaving out
	// those that would pass most.
	shots := func(i, least, most int) ([]byte, int) {
		var files []file
		size := 0
		for j := 0; size < least && j < 1000; j++ {
			f := pool.take(j)
			if len(files) > 0 && size+len(f.data) > most {
				continue
			}
			files = append(files, f)
			size += len(f.data)
		}
		return gen.withFiles(i, files), len(files)
	}
	small, n := shots(990000, 18<<20, math.MaxInt)
	// 57 bytes make a base64 line of 76 characters and CRLF: the opaque
	// letter comes out the size of the first.
	opaque := make([]byte, len(small)*57/78)
	rng := rand.New(rand.NewPCG(seed, 3))
	for i := range opaque {
		opaque[i] = byte(rng.Uint32())
	}
	big, bigN := shots(990002, 87<<19, 89<<19) // 43.5–44.5 MiB: a letter of 60 MB
	return []memoryLetter{
		{name: "screenshots-25", what: fmt.Sprintf("%d screenshots and photos", n), raw: small, files: n, maxMessageMB: 30},
		{name: "opaque-25", what: "one opaque attachment", raw: gen.withFiles(990001,
			[]file{{name: "dump.bin", contentType: "application/octet-stream", data: opaque}}), files: 1, maxMessageMB: 30},
		{name: "screenshots-60", what: fmt.Sprintf("%d screenshots and photos, max_message_mb = 70", bigN), raw: big, files: bigN, maxMessageMB: 70},
	}
}

// peakMemory measures (d): the peak RSS of "ticketd run -once" reading those
// of memoryLetters named in only, runs times each, against the same command on an empty
// mailbox. Each run reads its own copy of the letter into a fresh database.
func (l *lab) peakMemory(ctx context.Context, out io.Writer, gen *generator, pool *screenshotPool, runs int, seed uint64, only []string) (*Memory, error) {
	if err := l.dovecot.Deliver("Empty"); err != nil {
		return nil, err
	}
	res := &Memory{Runs: runs}
	var idle []float64
	for range runs {
		peak, _, st, err := l.runOnce(ctx, "Empty", 30)
		if err != nil {
			return nil, err
		}
		st.close()
		idle = append(idle, peak)
	}
	res.BaselineRSSMB = rangeOf(idle)
	fmt.Fprintf(out, "(d) peak RSS of ticketd run -once, %d runs each: an empty mailbox %s MB\n", runs, res.BaselineRSSMB)
	if len(only) == 0 {
		return res, nil
	}
	for _, ml := range memoryLetters(gen, pool, seed) {
		if !slices.Contains(only, ml.name) {
			continue
		}
		m := MemoryLetter{Name: ml.name, LetterMB: float64(len(ml.raw)) / (1 << 20), Files: ml.files, MaxMessageMB: ml.maxMessageMB}
		var peaks, cpus []float64
		for run := range runs {
			mailbox := fmt.Sprintf("Memory-%s-%d", ml.name, run)
			if err := l.dovecot.Deliver(mailbox, ml.raw); err != nil {
				return nil, err
			}
			peak, cpu, st, err := l.runOnce(ctx, mailbox, ml.maxMessageMB)
			if err != nil {
				return nil, err
			}
			accepted, err := acceptedFiles(ctx, st.db, m.LetterMB)
			st.close()
			if err != nil {
				return nil, err
			}
			m.Accepted = accepted
			peaks, cpus = append(peaks, peak), append(cpus, cpu)
		}
		m.PeakRSSMB, m.CPUSeconds = rangeOf(peaks), rangeOf(cpus)
		fmt.Fprintf(out, "    one %.1f MB letter, %s (%d accepted): %s MB, CPU %.2f–%.2f s\n", m.LetterMB, ml.what, m.Accepted, m.PeakRSSMB, m.CPUSeconds.Min, m.CPUSeconds.Max)
		res.Letters = append(res.Letters, m)
	}
	return res, nil
}

// acceptedFiles checks that the store holds one ticket, and counts the
// files accepted from its letter.
func acceptedFiles(ctx context.Context, db *store.DB, letterMB float64) (int, error) {
	page, err := db.FindTickets(ctx, store.TicketFilter{})
	if err != nil {
		return 0, err
	}
	if page.Total != 1 {
		return 0, fmt.Errorf("the %.1f MB letter made %d tickets, want 1", letterMB, page.Total)
	}
	id := page.Tickets[0].ID
	ms, err := db.Messages(ctx, id)
	if err != nil {
		return 0, err
	}
	stored, err := db.AttachmentsOfTicket(ctx, id)
	if err != nil {
		return 0, err
	}
	accepted := 0
	for _, m := range ms {
		if m.Direction != store.DirectionIn {
			continue
		}
		for _, a := range stored[m.ID] {
			if a.Verdict == store.VerdictAccepted {
				accepted++
			}
		}
	}
	return accepted, nil
}

// rangeOf summarises the figures of several runs.
func rangeOf(v []float64) Range {
	return Range{Min: slices.Min(v), Max: slices.Max(v), Runs: v}
}

// openedStore is a database a run left behind, open for checks.
type openedStore struct {
	db     *store.DB
	remove func()
}

func (s *openedStore) close() {
	s.db.Close()
	s.remove()
}

// runOnce runs "ticketd run -once" over mailbox into a fresh database with
// max_message_mb = maxMB and returns its peak RSS in MiB, the CPU time it
// used (start-up included) and the database.
func (l *lab) runOnce(ctx context.Context, mailbox string, maxMB int) (float64, float64, *openedStore, error) {
	db, remove, err := l.freshDB(ctx)
	if err != nil {
		return 0, 0, nil, err
	}
	config, err := l.config(mailbox, db, fmt.Sprintf("max_message_mb = %d", maxMB), "")
	if err != nil {
		remove()
		return 0, 0, nil, err
	}
	p, err := l.start(config, "run", "-once")
	if err != nil {
		remove()
		return 0, 0, nil, err
	}
	if err := p.wait(ctx); err != nil {
		remove()
		return 0, 0, nil, err
	}
	st, err := openStore(ctx, db)
	if err != nil {
		remove()
		return 0, 0, nil, err
	}
	return p.peakRSS(), p.cpuSeconds(), &openedStore{db: st, remove: remove}, nil
}

func openStore(ctx context.Context, path string) (*store.DB, error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open %s", path), err)
	}
	return db, nil
}
