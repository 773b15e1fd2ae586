package daemon

import (
	"context"

	"github.com/ticketd/ticketd/store"
)

// Store is what the mailbox loop needs of the ticket store: batches to
// file letters in, and the mailbox's watermark. *store.DB is one.
type Store interface {
	// Begin opens a batch. It returns the store's *store.Batch rather than
	// a Batch because a Go method's result type must match exactly: an
	// interface whose Begin returned Batch could not be met by *store.DB
	// itself. Everything that files letters holds the batch as a Batch.
	Begin(ctx context.Context) (*store.Batch, error)
	// BatchLimits says how many letters a batch may file and how long it
	// may wait for the next one.
	BatchLimits() store.BatchLimits
	// Watermark is how far the mailbox has been read.
	Watermark(ctx context.Context, mailbox string) (store.Watermark, error)
	// ResetWatermark starts the mailbox again under a new UIDVALIDITY.
	ResetWatermark(ctx context.Context, mailbox string, uidValidity uint32) error
	// Durable makes the letters committed batches stored survive a power
	// loss. It comes between the commit and marking them on the server:
	// once marked, the server no longer offers them.
	Durable(ctx context.Context) error
	// MarkDone records that the letters up to uid were marked on the server.
	MarkDone(ctx context.Context, mailbox string, uid uint32) error
	// NewSpool begins storing a large letter's bytes in pieces as they
	// are fetched; Inbound.Spool files them.
	NewSpool(ctx context.Context) (*store.Spool, error)
	// Keeper stores the files of a spooled letter one at a time.
	Keeper
}

// Batch is what filing letters needs of an open batch: the ticket a
// letter continues, filing it, moving the watermark past a letter that
// vanished, and committing. *store.Batch is one.
type Batch interface {
	// Thread finds the ticket a letter continues, letters filed earlier in
	// the batch included.
	Thread(ctx context.Context, ids []string, tag, from string) (store.Thread, bool, error)
	// Ingest files one letter on a savepoint of its own.
	Ingest(ctx context.Context, in store.Inbound, answer store.AnswerFunc) (store.Ingested, error)
	// Advance moves the watermark past a letter without storing one.
	Advance(ctx context.Context, mailbox string, uidValidity, uid uint32) error
	// Err is the error that broke the batch, or nil while letters can
	// still be filed in it.
	Err() error
	// Commit stores what the batch filed and ends it.
	Commit() error
}
