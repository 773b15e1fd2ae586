package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
)

// VerifyChain checks the store against its event chain (chain.go):
//
//   - the chain: every event follows the one before it, and its hash is its
//     content's (CheckLinks); an event removed shows as a gap in the ids;
//   - the head, when VerifyOptions.Head gives one written down before: the
//     event at its count in chain order still has its hash;
//   - every letter: it has a letter.stored event, of its ticket; its raw
//     bytes (unsealed, joined from their pieces) hash to its raw_sha256,
//     which is the raw= the event recorded; its files' SHA-256s are the
//     event's file= list, in order, and each file is stored;
//   - every file (blob), thumbnails and display copies included: its
//     content hashes to the SHA-256 it is stored under.
//
// The first thing that does not match ends the check with a *TamperError
// naming it; the report then counts what was checked before it. Other
// errors (the database cannot be read, a sealed letter and no key) are
// returned as they are.
//
// It writes nothing, and it reads the store in groups, never a whole table
// at once: its memory is a group of events or letters' metadata and one
// letter or file. Letters and events stored while it runs may be left
// out; what was stored before it began is checked.
func (db *DB) VerifyChain(ctx context.Context, opts VerifyOptions) (VerifyReport, error) {
	v, err := db.newVerifier(ctx, opts)
	if err != nil {
		return VerifyReport{}, err
	}
	for _, step := range []func(context.Context) error{v.checkChain, v.checkLetters, v.checkStoredLetters, v.checkBlobs} {
		if err := step(ctx); err != nil {
			return v.report, err
		}
	}
	return v.report, nil
}

// VerifyOptions say what VerifyChain checks beyond the store itself.
type VerifyOptions struct {
	// Head is a head of the chain written down before (ChainHead, the
	// daemon's log, "ticketd audit head"); nil: none. The event numbered
	// Head.Count in chain order must exist and have Head.Hash: that shows
	// that no event up to it was removed from the end of the chain, or the
	// chain computed again after a change.
	Head *Head
	// Progress, when not nil, is called after each group with how many of
	// the events, letters and files are checked, and how many there are.
	Progress func(done, total int64)
}

// VerifyReport counts what VerifyChain checked.
type VerifyReport struct {
	Events      int64 // events whose links and hashes were checked
	Letters     int64 // letters checked against their letter.stored event
	LetterBytes int64 // bytes of those letters hashed
	Files       int64 // files (blobs) whose content was hashed
	FileBytes   int64 // bytes of those files
	// Head is the head of the chain as checked: its last event.
	Head Head
}

// TamperKind is what a TamperError names.
type TamperKind string

// What a TamperError names.
const (
	TamperEvent  TamperKind = "event"  // an event, by its id
	TamperLetter TamperKind = "letter" // a letter, by its id (Message.ID)
	TamperFile   TamperKind = "file"   // a file, by its SHA-256
	TamperHead   TamperKind = "head"   // a head written down, by its count
)

// TamperError is the first place where the store does not match its
// event chain: something was changed, removed or put in the wrong place
// after it was recorded.
type TamperError struct {
	Kind   TamperKind
	ID     string // the event or letter id, the file's SHA-256, the head's count
	Ticket string // the ticket the letter or file belongs to, when known
	Reason string // what does not match, for people
}

func (e *TamperError) Error() string {
	name := string(e.Kind) + " " + e.ID
	if e.Ticket != "" {
		name += " (" + e.Ticket + ")"
	}
	return name + ": " + e.Reason
}

// Group sizes of VerifyChain's reads. Events are small. A group of
// letters reads the stored bytes of those up to verifyInline bytes long
// with them (most letters without files), at most 16 MiB a group; larger
// ones, and files, are read one at a time.
const (
	verifyEventGroup  = 10000
	verifyLetterGroup = 512
	verifyInline      = 32 << 10
	verifyBlobGroup   = 1000
)

// verifier is one run of VerifyChain.
type verifier struct {
	db     *DB
	c      conn
	opts   VerifyOptions
	report VerifyReport
	// lastEvent and lastLetter are the ids of the newest event and letter
	// when the check began: later ones are left out. A letter and its
	// letter.stored event are stored in one transaction, and lastLetter is
	// read first, so every letter checked has its event within the chain
	// checked.
	lastEvent, lastLetter int64
	done, total           int64
	purges                *purgeLedger // the tombstones of purged tickets, read as letters need them
}

func (db *DB) newVerifier(ctx context.Context, opts VerifyOptions) (*verifier, error) {
	v := &verifier{db: db, c: db.conn(), opts: opts}
	if opts.Head != nil && opts.Head.Count < 0 {
		return nil, fmt.Errorf("store: verify: head %v: a negative count", opts.Head)
	}
	var letters, events, blobs int64
	err := v.c.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0), COUNT(*) FROM messages").Scan(&v.lastLetter, &letters)
	if err == nil {
		err = v.c.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0), COUNT(*) FROM events").Scan(&v.lastEvent, &events)
	}
	if err == nil {
		err = v.c.QueryRowContext(ctx, "SELECT COUNT(*) FROM blobs").Scan(&blobs)
	}
	if err != nil {
		return nil, fmt.Errorf("store: verify: count what to check: %w", err)
	}
	v.total = events + letters + blobs
	v.purges = newPurgeLedger(v.c, v.lastEvent)
	return v, nil
}

// progress tells Progress that n more things were checked.
func (v *verifier) progress(n int) {
	v.done += int64(n)
	if v.opts.Progress != nil {
		v.opts.Progress(v.done, max(v.total, v.done))
	}
}

// checkChain checks the links and hashes of every event up to lastEvent,
// in chain order, and the head.
func (v *verifier) checkChain(ctx context.Context) error {
	prev, prevID := genesis, int64(0)
	var count int64 // events checked: the chain order of the last
	for prevID < v.lastEvent {
		es, err := readChain(ctx, v.c, prevID, verifyEventGroup)
		if err != nil {
			return fmt.Errorf("store: verify: read the events after %d: %w", prevID, err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if e.ID > v.lastEvent {
				break
			}
			if b := CheckLinks(prev, []ChainEvent{e}); b != nil {
				return brokenLink(prevID, e, b)
			}
			count++
			if h := v.opts.Head; h != nil && count == h.Count && !bytes.Equal(e.Hash, h.Hash) {
				return &TamperError{Kind: TamperHead, ID: strconv.FormatInt(h.Count, 10), Reason: fmt.Sprintf(
					"event %d, the %s in the chain, has the hash %x, not the head's %x: the chain was cut or rewritten before event %d",
					e.ID, ordinal(count), e.Hash, h.Hash, h.Count)}
			}
			prev, prevID = e.Hash, e.ID
		}
		v.report.Events = count
		v.progress(len(es))
	}
	v.report.Events = count
	v.report.Head = Head{Count: count, Hash: prev}
	if h := v.opts.Head; h != nil && count < h.Count {
		return &TamperError{Kind: TamperHead, ID: strconv.FormatInt(h.Count, 10), Reason: fmt.Sprintf(
			"the chain holds only %d events: it was cut or rewritten before event %d", count, h.Count)}
	}
	if h := v.opts.Head; h != nil && h.Count == 0 && !bytes.Equal(h.Hash, genesis) {
		return &TamperError{Kind: TamperHead, ID: "0", Reason: "a head of no events has the hash of 32 zero bytes"}
	}
	return nil
}

// brokenLink names what CheckLinks found at event e, which follows event
// prevID. Events are numbered one after another (link), so a gap before e
// is events removed: those are named.
func brokenLink(prevID int64, e ChainEvent, b *ChainBreak) error {
	if e.ID <= prevID+1 {
		return &TamperError{Kind: TamperEvent, ID: strconv.FormatInt(b.EventID, 10), Reason: b.Reason}
	}
	gone := "it was removed"
	if e.ID > prevID+2 {
		gone = fmt.Sprintf("it and the events after it up to %d were removed", e.ID-1)
	}
	after := fmt.Sprintf("event %d does not follow event %d", e.ID, prevID)
	if prevID == 0 {
		after = fmt.Sprintf("the chain begins at event %d, which does not follow the start", e.ID)
	}
	return &TamperError{Kind: TamperEvent, ID: strconv.FormatInt(prevID+1, 10), Reason: "is missing: " + gone + ", and " + after}
}

// ordinal writes n as "1st", "2nd", "3rd", "4th"...
func ordinal(n int64) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.FormatInt(n, 10) + suffix
}

// unreadable turns an error reading the stored value what (a letter, a
// file) into what it means: a value that is there but does not read back
// (a sealed value that does not open, a piece missing or out of place) was
// changed, and is a TamperError built by tampered; an error of the
// database or the context, or a store sealed without a key here, is
// returned as it is.
func unreadable(ctx context.Context, what string, err error, tampered func(reason string) *TamperError) error {
	var driver interface{ Code() int } // the SQLite driver's errors
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, ErrNoKey), errors.As(err, &driver):
		return fmt.Errorf("store: verify: %s: %w", what, err)
	}
	return tampered("its stored bytes do not read back (they were changed, or the key is not the store's): " + err.Error())
}
