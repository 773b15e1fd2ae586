package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/emersion/go-imap/v2"

	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// spoolAbove is the size above which a fetched letter is written to the
// store in pieces as it arrives (store.Spool) and read from there, never
// held whole; a letter up to it is read into memory, which is quicker for
// the many small letters.
const spoolAbove = 1 << 20

// maxLiteral is the largest literal the daemon accepts: far above any
// letter it downloads (imap.max_message_mb), it only stops a server
// announcing absurd sizes.
const maxLiteral = 1 << 30

// fetched is the body of one fetched letter: in memory, or spooled.
type fetched struct {
	raw   []byte
	spool *store.Spool
	done  func() // ends the Pacer's lean target for a spooled letter
}

func (f fetched) ok() bool { return f.raw != nil || f.spool != nil }

// discard removes the pieces of a spooled letter that was not filed.
func (f fetched) discard(ctx context.Context, log *slog.Logger) {
	if f.spool == nil {
		return
	}
	defer f.done()
	if err := f.spool.Discard(context.WithoutCancel(ctx)); err != nil {
		// The retention pass sweeps it later (store.DB.SweepSpools).
		log.Warn("cannot remove a spooled letter; it is swept later", redact.Err(err))
	}
}

// discard removes the spooled letters of a batch that were not filed.
func discard(ctx context.Context, log *slog.Logger, got map[imap.UID]fetched) {
	for _, f := range got {
		f.discard(ctx, log)
	}
}

// fetched reports whether the letter's bytes arrived: a letter expunged by
// someone else between the listing and the fetch has none.
func (p pending) fetched() bool { return p.raw != nil || p.spool != nil }

// readBody reads an IMAP literal: into a buffer of its announced size up
// to spoolAbove, else into a store.Spool piece by piece.
func (d *Daemon) readBody(ctx context.Context, lit imap.LiteralReader) (fetched, error) {
	n := lit.Size()
	if n < 0 || n > maxLiteral {
		return fetched{}, fmt.Errorf("literal of %d bytes", n)
	}
	if n <= spoolAbove {
		b := make([]byte, n)
		if _, err := io.ReadFull(lit, b); err != nil {
			return fetched{}, err
		}
		return fetched{raw: b}, nil
	}
	// The spool outlives the fetch: the letter in hand is read from it and
	// filed even when shutdown begins.
	sp, err := d.DB.NewSpool(context.WithoutCancel(ctx))
	if err != nil {
		return fetched{}, storeError{err}
	}
	f := fetched{spool: sp, done: d.Pacer.enter()}
	if err := copySpool(sp, lit, n); err != nil {
		f.discard(ctx, d.Log)
		return fetched{}, err
	}
	return f, nil
}

// copySpool writes the n bytes of lit into sp and closes it. A failure to
// write is the store's (storeError); one to read is the connection's.
func copySpool(sp *store.Spool, lit io.Reader, n int64) error {
	buf := make([]byte, 64<<10)
	var done int64
	for done < n {
		m, err := lit.Read(buf[:min(int64(len(buf)), n-done)])
		if m > 0 {
			if _, werr := sp.Write(buf[:m]); werr != nil {
				return storeError{werr}
			}
			done += int64(m)
		}
		if err == io.EOF && done < n {
			return io.ErrUnexpectedEOF
		}
		if err != nil && err != io.EOF {
			return err
		}
	}
	if err := sp.Close(); err != nil {
		return storeError{err}
	}
	return nil
}
