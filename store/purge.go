package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Retention. A ticket closed longer ago than the period its category's
// rule gives (RetentionPolicy) is purged: every letter's bytes, its files
// (when no letter that is not purged holds the same file), the notes, the
// description, the citizen's fields and the letters' addresses and
// subjects, the outbox's recipients, its words in the search index and
// the details of its events are removed, one ticket per transaction. What
// stays is the ticket's number, status, dates, category and priority, each
// letter's row with its size and the SHA-256 of its bytes (which its
// letter.stored event names), and a tombstone event, ticket.purged, whose
// detail (a PurgeRecord, JSON) lists the SHA-256 of every letter and file
// removed and the rule that applied. The chain still verifies: an erased
// detail keeps its SHA-256 (eraseDetails), and a purged letter is vouched
// for by its letter.stored event and the tombstone.
//
// When a ticket was closed is tickets.closed_at (migration 0014), which
// the writers of a status keep: a reopened ticket has none. A column
// rather than a search of the event log for the last "→ closed": the
// tickets due are then a range of one index per category.
//
// A ticket with a letter still waiting in the outbox is not purged until
// the letter is sent or given up: the outbox reads its bytes. A purged
// ticket is never purged again, and continues no thread (Thread): a
// letter that would have joined it opens a new ticket.

// ErrPurged is what reading bytes a purge removed is (errors.Is): Raw and
// Blob return a *PurgedError.
var ErrPurged = errors.New("store: removed under the retention rule")

// PurgedError says that a letter or file was removed by a purge, and when.
type PurgedError struct {
	What string    // "letter 12", "file <sha256>"
	At   time.Time // when it was removed
}

func (e *PurgedError) Error() string {
	return fmt.Sprintf("store: %s was removed on %s under the retention rule", e.What, e.At.Format(time.DateOnly))
}

// Unwrap makes a *PurgedError ErrPurged.
func (e *PurgedError) Unwrap() error { return ErrPurged }

// RetentionRule is how long a ticket's correspondence is kept after the
// ticket was closed.
type RetentionRule struct {
	// Name is the rule as the configuration states it, recorded on the
	// tombstone: `retention.closed_for = "1095d"`.
	Name   string
	Period time.Duration // positive
}

// RetentionPolicy gives the rule for the tickets of a category ("" for a
// ticket with none); ok is false for a category kept forever.
type RetentionPolicy func(category string) (rule RetentionRule, ok bool)

// PurgeOptions say what Purge does.
type PurgeOptions struct {
	Now    time.Time       // the time the periods are counted back from; zero: the store's clock
	Policy RetentionPolicy // nil: every ticket is kept
	DryRun bool            // find what would go, and change nothing
	Actor  string          // who purges, as the event log names people; required
	Limit  int             // purge at most this many tickets; 0: every one due
	// Each, when not nil, is told of each ticket purged (or that would
	// be), as it is.
	Each func(PurgedTicket)
}

// PurgedTicket is what a purge removed of one ticket (or would remove).
type PurgedTicket struct {
	Number   string
	ClosedAt time.Time
	Rule     string // RetentionRule.Name
	Letters  int    // letters whose bytes were removed
	Files    int    // stored files removed: originals, thumbnails, display copies
	Kept     int    // files kept, because a letter that is not purged holds them too
	Bytes    int64  // bytes of the letters and files removed
}

// PurgeReport is what Purge did, or would do.
type PurgeReport struct {
	DryRun  bool
	Tickets []PurgedTicket
	Letters int
	Files   int
	Kept    int
	Bytes   int64
	// Waiting counts the tickets due that were left for the next purge:
	// a letter of theirs waits in the outbox.
	Waiting int
	// Checkpointed is false when the database's write-ahead log could not
	// be emptied at the end (readers held it): the old pages it holds
	// are overwritten as it is reused.
	Checkpointed bool
}

func (r *PurgeReport) add(p PurgedTicket) {
	r.Tickets = append(r.Tickets, p)
	r.Letters += p.Letters
	r.Files += p.Files
	r.Kept += p.Kept
	r.Bytes += p.Bytes
}

// PurgeRecord is the detail of a ticket's tombstone event, ticket.purged,
// as JSON: what was removed, by its hashes, and why.
type PurgeRecord struct {
	Rule     string         `json:"rule"`
	ClosedAt time.Time      `json:"closed_at"`
	Letters  []PurgedLetter `json:"letters"`
	Files    []PurgedFile   `json:"files,omitempty"`
}

// PurgedLetter is a letter a purge removed the bytes of.
type PurgedLetter struct {
	ID        int64  `json:"id"` // the letter's row, as its letter.stored event's message_id
	RawSHA256 string `json:"raw_sha256"`
	Size      int64  `json:"size"`
}

// PurgedFile is a stored file (an attachment, thumbnail or display copy)
// of a purged ticket's letters.
type PurgedFile struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Kept: a letter that is not purged holds the same file, whose bytes
	// stay.
	Kept bool `json:"kept,omitempty"`
}

// ParsePurgeRecord reads the detail of a ticket.purged event.
func ParsePurgeRecord(detail string) (PurgeRecord, error) {
	var r PurgeRecord
	if err := json.Unmarshal([]byte(detail), &r); err != nil {
		return r, fmt.Errorf("store: purge record: %w", err)
	}
	return r, nil
}

// purgePage is how many tickets due Purge reads at a time.
const purgePage = 256

// Purge removes the correspondence of the tickets closed longer ago than
// their rule's period, as the comment at the top of this file says, one
// ticket per transaction, so that the daemon files letters meanwhile. With
// DryRun it reports what would go and changes nothing.
func (db *DB) Purge(ctx context.Context, opts PurgeOptions) (PurgeReport, error) {
	rep := PurgeReport{DryRun: opts.DryRun, Checkpointed: true}
	if opts.Policy == nil {
		return rep, nil
	}
	if opts.Actor == "" {
		return rep, errors.New("store: purge: no actor")
	}
	if opts.Now.IsZero() {
		opts.Now = db.now()
	}
	categories, err := closedCategories(ctx, db.conn())
	if err != nil {
		return rep, err
	}
	gone := map[int64]bool{} // a dry run's tickets so far
	for _, category := range categories {
		rule, ok := opts.Policy(category)
		if !ok {
			continue
		}
		if err := db.purgeCategory(ctx, gone, category, rule, &opts, &rep); err != nil {
			return rep, err
		}
		if opts.Limit > 0 && len(rep.Tickets) >= opts.Limit {
			break
		}
	}
	if !opts.DryRun && len(rep.Tickets) > 0 {
		// The pages a purge overwrote replace their old copies in the
		// write-ahead log too (purgeTicket).
		if rep.Checkpointed, err = db.checkpoint(ctx); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// purgeCategory purges the tickets of a category due under rule.
func (db *DB) purgeCategory(ctx context.Context, gone map[int64]bool, category string, rule RetentionRule,
	opts *PurgeOptions, rep *PurgeReport) error {
	before := opts.Now.Add(-rule.Period)
	var after due
	for {
		page, err := dueTickets(ctx, db.conn(), category, before, after, purgePage)
		if err != nil {
			return err
		}
		for _, d := range page {
			if opts.Limit > 0 && len(rep.Tickets) >= opts.Limit {
				return nil
			}
			var pt PurgedTicket
			var o outcome
			if opts.DryRun {
				pt, o, err = db.planOnly(ctx, d.id, rule, gone)
			} else {
				pt, o, err = db.purgeTicket(ctx, d.id, before, rule, opts)
			}
			if err != nil {
				return err
			}
			if o == waiting {
				rep.Waiting++
			}
			if o != purged {
				continue
			}
			rep.add(pt)
			if opts.Each != nil {
				opts.Each(pt)
			}
		}
		if len(page) < purgePage {
			return nil
		}
		after = page[len(page)-1]
	}
}

// due is a ticket due for a purge, as the index of them orders it.
type due struct {
	id       int64
	closedAt int64
}

// closedCategories lists the categories that have closed tickets, from
// the counts the triggers keep (migration 0010).
func closedCategories(ctx context.Context, c conn) ([]string, error) {
	rows, err := c.QueryContext(ctx, "SELECT DISTINCT category FROM ticket_counts WHERE status = ? AND n > 0", StatusClosed)
	if err != nil {
		return nil, fmt.Errorf("store: purge: categories of closed tickets: %w", err)
	}
	defer rows.Close()
	var cs []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("store: purge: categories of closed tickets: %w", err)
		}
		cs = append(cs, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: purge: categories of closed tickets: %w", err)
	}
	slices.Sort(cs)
	return cs, nil
}

// dueTickets reads up to limit tickets of category closed before before
// and not purged, after the ticket after, oldest closed first: a range of
// the index tickets_retention.
func dueTickets(ctx context.Context, c conn, category string, before time.Time, after due, limit int) ([]due, error) {
	rows, err := c.QueryContext(ctx, `SELECT id, closed_at FROM tickets
		WHERE category = ? AND closed_at IS NOT NULL AND purged_at IS NULL AND closed_at < ? AND (closed_at, id) > (?, ?)
		ORDER BY closed_at, id LIMIT ?`, category, millis(before), after.closedAt, after.id, limit)
	if err != nil {
		return nil, fmt.Errorf("store: purge: tickets due: %w", err)
	}
	defer rows.Close()
	var ds []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.closedAt); err != nil {
			return nil, fmt.Errorf("store: purge: tickets due: %w", err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: purge: tickets due: %w", err)
	}
	return ds, nil
}

// nullMillis is t in Unix milliseconds, NULL when zero.
func nullMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: millis(t), Valid: true}
}

// nullTime is a column of Unix milliseconds that may be NULL, as a time
// that is zero for NULL.
func nullTime(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return fromMillis(ms.Int64)
}
