package daemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sync"

	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/mailparse"
)

// Keeper stores the bytes of a letter's files as they are checked, so that
// a large letter's files are never all held at once. *store.DB is one.
type Keeper interface {
	// PutFile stores the size bytes read from r under their SHA-256 sum,
	// once: a file stored before is not read again.
	PutFile(ctx context.Context, sum string, size int64, r io.Reader) error
}

// KeptFile is what UnderstandAt stored of one file besides its bytes,
// which are stored under its Verdict's SHA256: the SHA-256 of its
// thumbnail and of its display copy, "" for none.
type KeptFile struct {
	Thumbnail string
	Display   string
}

// UnderstandAt reads a letter of size bytes from r as Understand reads
// raw, without holding it whole: the letter is parsed from windows of r,
// and its files are read, checked and handed to keep one at a time, each
// dropped before the next is read. Kept then has one entry per verdict,
// and the verdicts hold no pictures: their bytes are in keep.
//
// It fails only when r cannot be read or keep cannot store a file: then
// Err says why, and the letter must be read again later. Everything else
// is as Understand: a letter that cannot be parsed still yields what could
// be read, and why in Note.
func (in *Intake) UnderstandAt(ctx context.Context, r io.ReaderAt, size int64, keep Keeper) (u Understanding) {
	src := &watchedReader{r: r}
	var fp string
	defer func() {
		if p := recover(); p != nil {
			u = in.fallback(prefix(src, size), p)
		}
		u.Fingerprint = fp
		if err := src.failure(); err != nil && u.Err == nil {
			u.Err = fmt.Errorf("read the spooled letter: %w", err)
		}
	}()
	fp, err := mailparse.FingerprintAt(src, size)
	if err != nil {
		u.Letter = &mailparse.Letter{}
		u.Err = err
		return u
	}
	lim := in.Limits
	l, err := mailparse.ParseAt(src, size, &lim)
	if l == nil {
		l = &mailparse.Letter{} // ParseAt fails only when src does: Err says so
	}
	in.read(&u, l, err)
	u.Verdicts, u.Kept, u.Err = in.checkAndKeep(ctx, l.Parts, keep)
	return u
}

// checkAndKeep judges parts one at a time within the policy's budget for
// the whole letter, as attachments.CheckAll does, and stores each one's
// bytes, thumbnail and display copy before reading the next.
func (in *Intake) checkAndKeep(ctx context.Context, parts []mailparse.Part, keep Keeper) ([]attachments.Verdict, []KeptFile, error) {
	budget := in.Policy.Budget
	if budget <= 0 {
		budget = attachments.DefaultBudget
	}
	checkCtx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	verdicts := make([]attachments.Verdict, 0, len(parts))
	kept := make([]KeptFile, 0, len(parts))
	for i, p := range parts {
		c := attachments.CheckPart(checkCtx, p, in.Policy, i+1)
		if c.Err != nil {
			return nil, nil, fmt.Errorf("read file %d of the letter: %w", i+1, c.Err)
		}
		k, err := keepFile(ctx, keep, p, c)
		if err != nil {
			return nil, nil, fmt.Errorf("store file %d of the letter: %w", i+1, err)
		}
		v := c.Verdict
		v.Thumbnail, v.Display = nil, nil // stored; the bytes may go
		verdicts = append(verdicts, v)
		kept = append(kept, k)
	}
	return verdicts, kept, nil
}

// keepFile stores a checked file: its bytes (from memory, or read from
// the letter again when they were too large to hold), its thumbnail and
// its display copy.
func keepFile(ctx context.Context, keep Keeper, p mailparse.Part, c attachments.Checked) (KeptFile, error) {
	v := c.Verdict
	body := p.Open
	if c.Body != nil {
		body = func() io.Reader { return bytes.NewReader(c.Body) }
	}
	if err := keep.PutFile(ctx, v.SHA256, v.Size, body()); err != nil {
		return KeptFile{}, err
	}
	var k KeptFile
	var err error
	if k.Thumbnail, err = keepPieces(ctx, keep, attachments.Pieces{v.Thumbnail}); err != nil {
		return KeptFile{}, err
	}
	if k.Display, err = keepPieces(ctx, keep, v.Display); err != nil {
		return KeptFile{}, err
	}
	return k, nil
}

// keepPieces stores a file held as pieces and returns its SHA-256, or ""
// when it is empty (none).
func keepPieces(ctx context.Context, keep Keeper, p attachments.Pieces) (string, error) {
	n := p.Len()
	if n == 0 {
		return "", nil
	}
	h := sha256.New()
	readers := make([]io.Reader, 0, len(p))
	for _, b := range p {
		h.Write(b)
		readers = append(readers, bytes.NewReader(b))
	}
	sum := hex.EncodeToString(h.Sum(nil))
	return sum, keep.PutFile(ctx, sum, int64(n), io.MultiReader(readers...))
}

// watchedReader is a letter's io.ReaderAt that remembers the first
// failure to read it other than its end: the parser reads past damage,
// but a letter whose bytes could not be read must be read again, not
// filed as damaged.
type watchedReader struct {
	r   io.ReaderAt
	mu  sync.Mutex
	err error
}

func (w *watchedReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := w.r.ReadAt(p, off)
	if err != nil && err != io.EOF {
		w.mu.Lock()
		if w.err == nil {
			w.err = err
		}
		w.mu.Unlock()
	}
	return n, err
}

func (w *watchedReader) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// prefix returns the first bytes of a spooled letter, for the fallback
// reading of one whose parsing failed.
func prefix(r io.ReaderAt, size int64) []byte {
	b, _ := io.ReadAll(io.NewSectionReader(r, 0, min(size, 1<<20)))
	return b
}
