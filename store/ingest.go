package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Inbound is one letter as it arrived, with what was understood of it.
type Inbound struct {
	Mailbox     string // watched mailbox (its watermark key); "" when not from IMAP
	Queue       string // the queue a new ticket lands in; "" for none
	UIDValidity uint32
	UID         uint32
	Raw         []byte // bytes as fetched; kept unchanged
	// Spool, when not nil (and Raw nil), holds the bytes as fetched, for
	// a large letter (spool.go): it must be closed. Ingest makes its
	// pieces the letter's and deletes it, also when the letter is a
	// duplicate; when Ingest fails, the spool is left as it was, for a
	// second Ingest.
	Spool *Spool
	Note  string // why the letter was not fully understood, if so
	// Text is the letter's plain text (HTML converted), for the search
	// index only: it is not stored, and the index keeps only keyed hashes
	// of its words (search.go).
	Text string

	MessageID string
	// Fingerprint is the identity of the letter's content without the
	// fields relays add (mailparse.Fingerprint); "" takes the SHA-256 of
	// Raw, so that only the same bytes are the same letter.
	Fingerprint string
	FromName    string
	// FromAddress is the sender's address: for a letter from a person,
	// the address it is answered at (mailparse.Letter.Reply), which
	// ReplyHeader says where it was found; otherwise its From.
	FromAddress string
	// ReplyHeader is the header field that held FromAddress as the address
	// answered (mailparse.ReplyHeader); ReplyHeaderNone for a letter from a
	// person with no address to answer; "" for automatic mail.
	ReplyHeader string
	ToAddress   string
	Auto        bool // automatic mail: auto-reply, bounce, list

	Ticket      Ticket // fields for a new ticket; ID, Number, Status and times are set here
	Attachments []Attachment

	// TicketID, when not 0, is the ticket the letter continues (see Thread):
	// the letter joins it instead of opening a new one.
	TicketID int64
	// Reopen makes a follow-up reopen an answered or closed ticket and take
	// Ticket.DueAt as its new deadline; automatic mail joins without it.
	Reopen bool
	// LinkTo, for a new ticket, is an earlier ticket it refers to (its tag
	// came from a stranger's address).
	LinkTo int64
	// BounceOf is the Message-ID of our letter that this delivery report
	// says could not be delivered; "" otherwise.
	BounceOf string
	// Events are recorded on the ticket once the letter is filed, after
	// its "letter.stored" (not when the letter is a duplicate): e.g. the
	// "letter.imported" of a letter filed from a backlog.
	Events []InboundEvent
	// LastSentTemplate, when not "", names a template of outgoing letters:
	// Situation.LastSent then says when the ticket last got a letter made
	// with it. The store knows no template by name; the caller says which
	// one its AnswerFunc needs to know about.
	LastSentTemplate string
}

// InboundEvent is an event recorded on a ticket with the letter that
// changed it (Inbound.Events).
type InboundEvent struct {
	Actor  string // e.g. "operator:anna"
	Action string // e.g. "letter.imported"
	Detail string
}

// Outgoing is a composed letter to queue for delivery.
type Outgoing struct {
	MessageID    string
	FromAddress  string
	ToAddress    string
	Subject      string
	Template     string
	Operator     string
	Auto         bool // sent without a person; counted per recipient
	EnvelopeFrom string
	EnvelopeTo   string
	Raw          []byte

	// Status and Events are for an automatic answer, which Ingest queues:
	// Status, when not "", is the status its ticket takes with it (as an
	// operator's letter from the same template would set), and Events are
	// recorded on the ticket after it, as the daemon's, saying what
	// decided the answer. Queue takes an operator's status as an argument
	// and records no Events.
	Status Status
	Events []AnswerEvent
}

// AnswerEvent is an event an automatic answer records on its ticket.
type AnswerEvent struct {
	Action string // e.g. "status.answered"
	Detail string
}

// Ingested is what Ingest did.
type Ingested struct {
	Ticket    Ticket
	Duplicate bool // the letter was already stored; nothing new was made
	FollowUp  bool // the letter joined an existing ticket
	Reopened  bool // the follow-up reopened an answered or closed ticket
	Queued    bool // an answer was queued in the outbox
	// ReusedMessageID: letters under this letter's Message-ID were stored
	// before, but none is this letter; it was stored as a new letter.
	ReusedMessageID bool
	// AnswerProblem is why the automatic answer could not be composed
	// ("" when it could, or none was due); the ticket waits for an
	// operator's answer.
	AnswerProblem string
}

// Situation is what an AnswerFunc needs to know beyond the ticket.
type Situation struct {
	FollowUp bool // the letter joined an existing ticket
	Reopened bool // and reopened it
	// LastSent is when the ticket last got a letter made with the template
	// Inbound.LastSentTemplate names; zero if never, or if none is named.
	LastSent          time.Time
	RecentAutoReplies int // automatic answers to this sender in the last hour
}

// AnswerFunc composes the automatic answer to a letter once it is filed. It
// runs inside the ingest transaction; returning nil queues nothing.
type AnswerFunc func(t Ticket, s Situation) (*Outgoing, error)

// Ingest stores one inbound letter in one transaction: the message, a new
// ticket or the ticket it continues, its attachments, the answer composed by
// answer (when not nil) in the outbox, the events, and the mailbox
// watermark. A letter already stored (the same Message-ID and content, see
// sameLetter) only advances the watermark and reports Duplicate.
//
// When answer fails, the letter is filed all the same: the reason is
// recorded on the ticket (Ticket.AnswerProblem and an "answer.failed"
// event) for an operator to answer by hand. answer's errors are about the
// letter, never the store's.
func (db *DB) Ingest(ctx context.Context, in Inbound, answer AnswerFunc) (Ingested, error) {
	var res Ingested
	err := db.inTx(ctx, func(tx conn) error {
		var err error
		res, err = db.ingest(ctx, tx, in, answer)
		return err
	})
	if err != nil {
		return Ingested{}, fmt.Errorf("store: ingest %q: %w", in.MessageID, err)
	}
	return res, nil
}

// ingest files one letter in tx.
func (db *DB) ingest(ctx context.Context, tx conn, in Inbound, answer AnswerFunc) (Ingested, error) {
	var res Ingested
	// On PostgreSQL, filing takes the chain's lock before it reads: two
	// processes filing the same letter at once then see each other's, and
	// never take a ticket's row and the chain in opposite orders.
	if err := tx.db.be.lockChain(ctx, tx); err != nil {
		return res, err
	}
	if in.Spool != nil {
		if in.Raw != nil {
			return res, errors.New("store: a letter given both as Raw and as a Spool")
		}
		if err := in.Spool.filed(); err != nil {
			return res, err
		}
	}
	now := db.now()
	id := identify(in)
	dup, reused, err := db.sameLetter(ctx, tx, in, id)
	if err != nil {
		return res, err
	}
	res.ReusedMessageID = reused
	if dup != 0 {
		res.Duplicate = true
		if res.Ticket, err = db.ticketByID(ctx, tx, dup); err != nil {
			return res, err
		}
		if in.Spool != nil {
			if err := dropSpool(ctx, tx, in.Spool.id); err != nil {
				return res, err
			}
		}
	} else if err := db.file(ctx, tx, in, id, now, answer, &res); err != nil {
		return res, err
	}
	if in.Mailbox != "" {
		return res, advance(ctx, tx, in.Mailbox, in.UIDValidity, in.UID)
	}
	return res, nil
}

// file stores a letter that is not stored yet, on a new ticket or on the
// ticket it continues, with its answer.
func (db *DB) file(ctx context.Context, tx conn, in Inbound, id identity, now time.Time, answer AnswerFunc, res *Ingested) error {
	var err error
	if in.TicketID != 0 {
		res.FollowUp = true
		if res.Ticket, res.Reopened, err = db.followUp(ctx, tx, in, now); err != nil {
			return err
		}
	} else {
		t := in.Ticket
		if t.Mailbox == "" {
			t.Mailbox = in.Mailbox
		}
		if t.Queue == "" {
			t.Queue = in.Queue
		}
		if res.Ticket, err = db.insertTicket(ctx, tx, t, in.LinkTo, now); err != nil {
			return err
		}
		if err := appendEvent(ctx, tx, res.Ticket.ID, now, "daemon", "ticket.created", in.Note); err != nil {
			return err
		}
	}
	msgID, err := db.insertInbound(ctx, tx, res.Ticket.ID, id, in, now)
	if err != nil {
		return err
	}
	if err := db.indexLetter(ctx, tx, res.Ticket, in); err != nil {
		return err
	}
	if res.ReusedMessageID {
		detail := fmt.Sprintf("letter %d: a different letter with Message-ID %q was stored before", msgID, in.MessageID)
		if err := appendEvent(ctx, tx, res.Ticket.ID, now, "daemon", "message.id_reused", detail); err != nil {
			return err
		}
	}
	files, err := db.insertAttachments(ctx, tx, msgID, in.Attachments)
	if err != nil {
		return err
	}
	if err := appendStored(ctx, tx, res.Ticket.ID, msgID, now, "daemon", LetterDigest(id.sum, files)); err != nil {
		return err
	}
	for _, e := range in.Events {
		if err := appendEvent(ctx, tx, res.Ticket.ID, now, e.Actor, e.Action, e.Detail); err != nil {
			return err
		}
	}
	if in.BounceOf != "" {
		if err := markUndeliverable(ctx, tx, in.BounceOf, res.Ticket.ID, now); err != nil {
			return err
		}
	}
	if err := db.autoAnswer(ctx, tx, in, now, answer, res); err != nil {
		return err
	}
	// The events above gave the ticket its version.
	if err := tx.QueryRowContext(ctx, "SELECT version FROM tickets WHERE id = ?", res.Ticket.ID).Scan(&res.Ticket.Version); err != nil {
		return fmt.Errorf("version of ticket %s: %w", res.Ticket.Number, err)
	}
	return nil
}

// autoAnswer composes the automatic answer to a letter filed as res says,
// and queues it, or records why it could not be composed.
func (db *DB) autoAnswer(ctx context.Context, tx conn, in Inbound, now time.Time, answer AnswerFunc, res *Ingested) error {
	if answer == nil {
		return nil
	}
	sit, err := situation(ctx, tx, res, in, now)
	if err != nil {
		return err
	}
	out, err := answer(res.Ticket, sit)
	if err != nil {
		res.AnswerProblem = err.Error()
		return setAnswerProblem(ctx, tx, res.Ticket.ID, now, "daemon", res.AnswerProblem)
	}
	if out == nil {
		return nil
	}
	if out.Status != "" && !out.Status.Valid() {
		return fmt.Errorf("store: automatic answer to %s: unknown status %q", res.Ticket.Number, out.Status)
	}
	res.Queued = true
	if err := db.queue(ctx, tx, res.Ticket.ID, *out, now); err != nil {
		return err
	}
	for _, e := range out.Events {
		if err := appendEvent(ctx, tx, res.Ticket.ID, now, actorOf(*out), e.Action, e.Detail); err != nil {
			return err
		}
	}
	if out.Status == "" || out.Status == res.Ticket.Status {
		return nil
	}
	t := ticketState{id: res.Ticket.ID, number: res.Ticket.Number, status: res.Ticket.Status}
	if err := setStatus(ctx, tx, t, out.Status, actorOf(*out), now); err != nil {
		return err
	}
	res.Ticket.Status = out.Status
	return nil
}

func (db *DB) insertTicket(ctx context.Context, tx conn, t Ticket, linkTo int64, now time.Time) (Ticket, error) {
	t.Status = StatusNew
	// A ticket is created when its letter arrived: now, unless the caller
	// knows better (a letter imported from a backlog, see Ticket.CreatedAt).
	if t.CreatedAt.IsZero() || t.CreatedAt.After(now) {
		t.CreatedAt = now
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), now.UTC()
	if t.Language == "" {
		t.Language = "ru"
	}
	if t.Priority == "" {
		t.Priority = PriorityNormal
	}
	t.DueAt = t.DueAt.UTC()
	if t.StartedAt.IsZero() {
		t.StartedAt = now
	}
	t.StartedAt = t.StartedAt.UTC()
	// The number is made of the id, so the id is taken first and the row
	// is written once, number and all.
	var err error
	if t.ID, err = nextTicketID(ctx, tx); err != nil {
		return t, fmt.Errorf("number ticket: %w", err)
	}
	t.Number = TicketNumber(t.ID)
	// A description is kept as text, or, with a key, sealed as bytes; so
	// are the citizen's name, the subject and the numbers (fields.go).
	desc, sealedDesc, sealed := t.Description, []byte(nil), false
	plain := ticketFields{t.CitizenName, t.Subject, t.AccountNumber, t.ApplicationNumber}
	var sealedFields []byte
	if db.seal != nil {
		desc = ""
		sealedDesc, sealed = db.seal.seal([]byte(t.Description), descriptionAD)
		sealedFields = plain.seal(db, t.ID)
		plain = ticketFields{}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO tickets
		(id, number, status, priority, priority_reason, category, language, citizen_name, citizen_address,
		 subject, account_number, application_number, description, description_sealed, sealed_description,
		 created_at, due_at, updated_at, linked_ticket_id, sealed_fields, clock_at, mailbox, queue)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Number, t.Status, t.Priority, t.PriorityReason, t.Category, t.Language, plain.name, t.CitizenAddress,
		plain.subject, plain.account, plain.application, desc, sealed, sealedDesc,
		millis(t.CreatedAt), millis(t.DueAt), millis(now), nullID(linkTo), sealedFields, millis(t.StartedAt), t.Mailbox, t.Queue)
	if err != nil {
		return t, fmt.Errorf("insert ticket: %w", err)
	}
	if linkTo != 0 {
		t.LinkedTo = TicketNumber(linkTo)
	}
	return t, nil
}

func (db *DB) insertInbound(ctx context.Context, tx conn, ticketID int64, id identity, in Inbound, now time.Time) (int64, error) {
	sum := id.sum
	value, size := [][]byte{in.Raw}, int64(len(in.Raw))
	if in.Spool != nil {
		size = in.Spool.size
		if size <= chunkSize {
			b, err := in.Spool.inlineSpool(ctx, tx)
			if err != nil {
				return 0, err
			}
			value = [][]byte{b}
		}
	}
	raw, sealed, pieces := db.inline(value, sum, int(size))
	key := dedupeKey(in.MessageID, id.fp)
	fields, sealedFields := db.letterFields(key, in.FromName, in.Ticket.Subject)
	var msg int64
	err := tx.QueryRowContext(ctx, `INSERT INTO messages
		(ticket_id, direction, dedupe_key, message_id, from_name, from_address, to_address, subject,
		 mailbox, uid, note, auto, size, raw_sha256, raw, sealed, chunks, created_at, sealed_fields, reply_header)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ticketID, DirectionIn, key, in.MessageID, fields.fromName, in.FromAddress, in.ToAddress, fields.subject,
		in.Mailbox, in.UID, in.Note, in.Auto, size, sum, raw, sealed, pieces, millis(now), sealedFields, in.ReplyHeader).Scan(&msg)
	if err != nil {
		return 0, fmt.Errorf("insert message: %w", err)
	}
	if in.Spool != nil {
		if pieces == 0 {
			return msg, dropSpool(ctx, tx, in.Spool.id)
		}
		return msg, db.fileSpool(ctx, tx, in.Spool, msg)
	}
	if pieces > 0 {
		if err := db.putChunks(ctx, tx, messageOwner(msg), sum, value); err != nil {
			return 0, err
		}
	}
	return msg, nil
}

// insertAttachments stores the files of letter msgID and returns their
// SHA-256s, in order.
func (db *DB) insertAttachments(ctx context.Context, tx conn, msgID int64, atts []Attachment) ([]string, error) {
	sums := make([]string, 0, len(atts))
	for _, a := range atts {
		sum, thumb, display, err := db.attachmentBlobs(ctx, tx, a)
		if err != nil {
			return nil, err
		}
		sums = append(sums, sum)
		names, sealedNames := db.fileNames(msgID, sum, a.Filename, a.OriginalName)
		_, err = tx.ExecContext(ctx, `INSERT INTO attachments
			(message_id, filename, original_name, declared_type, detected_type, size, sha256,
			 verdict, reason, detail, width, height, pages, thumbnail_sha256, display_sha256, sealed_names)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			msgID, names.filename, names.original, a.DeclaredType, a.DetectedType, a.Size, sum,
			a.Verdict, a.Reason, a.Detail, a.Width, a.Height, a.Pages, thumb, display, sealedNames)
		if err != nil {
			return nil, fmt.Errorf("insert attachment %q: %w", a.Filename, err)
		}
	}
	return sums, nil
}

// attachmentBlobs stores the file, thumbnail and display copy of a, or,
// when a.Stored, checks that they were stored (PutFile); it returns their
// SHA-256s (thumbnail and display copy NULL when absent).
func (db *DB) attachmentBlobs(ctx context.Context, tx conn, a Attachment) (sum string, thumb, display sql.NullString, err error) {
	if a.Stored {
		for i, s := range []string{a.SHA256, a.ThumbnailSHA256, a.DisplaySHA256} {
			if i > 0 && s == "" { // no thumbnail, no display copy
				continue
			}
			if err := fileIsStored(ctx, tx, s); err != nil {
				return "", thumb, display, fmt.Errorf("attachment %q: %w", a.Filename, err)
			}
		}
		thumb = sql.NullString{String: a.ThumbnailSHA256, Valid: a.ThumbnailSHA256 != ""}
		display = sql.NullString{String: a.DisplaySHA256, Valid: a.DisplaySHA256 != ""}
		return a.SHA256, thumb, display, nil
	}
	if sum, err = db.putBlob(ctx, tx, [][]byte{a.Data}); err != nil {
		return "", thumb, display, err
	}
	if thumb, err = db.putOptionalBlob(ctx, tx, [][]byte{a.Thumbnail}); err != nil {
		return "", thumb, display, err
	}
	display, err = db.putOptionalBlob(ctx, tx, a.Display)
	return sum, thumb, display, err
}

// putBlob stores a file once by its SHA-256. The file may come in slices
// (a display copy is slices of its original); it is stored as their
// concatenation. Its stored_at stays NULL: the letter that brings it
// names it in the same transaction, so no sweep is to look at it
// (PutFile's files are another matter).
func (db *DB) putBlob(ctx context.Context, tx conn, value [][]byte) (string, error) {
	sum, size := digest(value)
	data, sealed, pieces := db.inline(value, sum, size)
	// A file stored before is kept as it is, unless a purge removed its
	// bytes: then this letter brings them back.
	res, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, data, sealed, chunks) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO UPDATE SET data = excluded.data, sealed = excluded.sealed, chunks = excluded.chunks, purged_at = NULL
		WHERE blobs.purged_at IS NOT NULL`, sum, size, data, sealed, pieces)
	if err != nil {
		return "", fmt.Errorf("insert blob %s: %w", sum, err)
	}
	if pieces == 0 {
		return sum, nil
	}
	if added, err := res.RowsAffected(); err != nil || added == 0 {
		return sum, err // stored before, pieces and all
	}
	if err := db.putChunks(ctx, tx, blobOwner(sum), sum, value); err != nil {
		return "", err
	}
	return sum, nil
}

// putOptionalBlob is putBlob for a file that may be absent (no slices, or
// only empty ones): then it stores nothing and returns NULL.
func (db *DB) putOptionalBlob(ctx context.Context, tx conn, value [][]byte) (sql.NullString, error) {
	if size(value) == 0 {
		return sql.NullString{}, nil
	}
	sum, err := db.putBlob(ctx, tx, value)
	return sql.NullString{String: sum, Valid: err == nil}, err
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// appendEvent records a change to ticket ticketID (0: to no ticket, such
// as a user's) in the event log. Every change to a ticket is recorded so:
// the event gives the ticket its next version, and keeps it.
func appendEvent(ctx context.Context, tx conn, ticketID int64, at time.Time, actor, action, detail string) error {
	var version int64
	if ticketID != 0 {
		var err error
		if version, err = bump(ctx, tx, ticketID); err != nil {
			return fmt.Errorf("append event %s: %w", action, err)
		}
	}
	return appendEvents(ctx, tx, []ChainEvent{{TicketID: ticketID, At: at, Actor: actor, Action: action, Detail: detail, Version: version}})
}

// appendStored records that letter msg of ticket ticketID was stored with
// the given digest (LetterDigest). It is part of the change that stored the
// letter, whose own event gave the ticket its version: it gives none.
func appendStored(ctx context.Context, tx conn, ticketID, msg int64, at time.Time, actor, digest string) error {
	return appendEvents(ctx, tx, []ChainEvent{{TicketID: ticketID, At: at, Actor: actor, Action: "letter.stored",
		Detail: fmt.Sprintf("letter %d", msg), MessageID: msg, Digest: digest}})
}

// setAnswerProblem records on a ticket why its letter could not be answered
// automatically.
func setAnswerProblem(ctx context.Context, tx conn, ticketID int64, at time.Time, actor, problem string) error {
	if _, err := tx.ExecContext(ctx, "UPDATE tickets SET answer_problem = ? WHERE id = ?", problem, ticketID); err != nil {
		return fmt.Errorf("record answer problem: %w", err)
	}
	return appendEvent(ctx, tx, ticketID, at, actor, "answer.failed", problem)
}
