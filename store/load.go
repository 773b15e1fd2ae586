package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Load stores tickets with their whole history in one transaction, as
// Ingest, the outbox and the operators' actions would have stored them
// one after the other: each letter filed at its time (the first opening
// the ticket, the others following it up), its automatic answer queued
// and sent, then each action, every step an event with the next version,
// and the search index. It writes each ticket once, in its final state,
// with a few statements for many rows, and prepares the rows (sealing,
// hashing words) on the other CPUs while it writes: it is for building
// large stores (store/storetest), where filing letter by letter would
// take hours. storetest's tests check that it stores what the slow way
// does.
//
// Load does less than Ingest: the letters must be new (a second delivery
// fails on the unique key of letters), and may not report bounces.
func (db *DB) Load(ctx context.Context, tickets []LoadTicket) error {
	// Groups of tickets are prepared one ahead of the one written.
	type group struct {
		tickets  []LoadTicket
		prepared []loadRows
		err      error
	}
	groups := make(chan group, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(groups)
		for len(tickets) > 0 {
			n := min(loadGroup, len(tickets))
			g := group{tickets: tickets[:n]}
			g.prepared, g.err = db.prepareLoad(g.tickets)
			select {
			case groups <- g:
			case <-stop:
				return
			}
			tickets = tickets[n:]
		}
	}()
	err := db.inTx(ctx, func(tx conn) error {
		s, err := db.startLoad(ctx, tx)
		if err != nil {
			return err
		}
		for g := range groups {
			if g.err != nil {
				return g.err
			}
			for i, lt := range g.tickets {
				if err := s.add(lt, g.prepared[i]); err != nil {
					return err
				}
			}
			if err := db.writeLoad(ctx, tx, s); err != nil {
				return err
			}
		}
		return db.finishLoad(ctx, tx, s)
	})
	if err != nil {
		return fmt.Errorf("store: load: %w", err)
	}
	return nil
}

// loadGroup is how many tickets Load prepares, then writes, at a time.
const loadGroup = 500

// LoadTicket is one ticket's history for Load.
type LoadTicket struct {
	Letters []LoadLetter // the first opens the ticket; the others follow it up (TicketID is ignored)
	Actions []LoadAction // after the letters, in order
}

// LoadLetter is an inbound letter filed at At as Ingest files it, with
// the automatic answer queued for it when Answer is not nil, sent at Sent
// unless that is zero.
type LoadLetter struct {
	In     Inbound
	At     time.Time
	Answer *Outgoing
	Sent   time.Time
}

// LoadAction is what an operator did at At, as Actor: Assign, when
// Assign is set; SetPriority, when Priority is; SetStatus, when Status is
// (all three in that order when several are set).
type LoadAction struct {
	At       time.Time
	Actor    string
	Assign   bool
	Assignee string
	Priority Priority
	Reason   string
	Status   Status
}

// loadRows is what Load prepares of a ticket before it takes the lock.
type loadRows struct {
	letters []preparedLetter
	desc    string // the description kept as text: "" when sealed
	sealed  []byte // the sealed description
	terms   [][]uint64
}

type preparedLetter struct {
	id           identity
	raw          []byte // inline value: sealed, or empty when in pieces
	sealed       bool
	pieces       int
	fields       letterFields // '' when sealed in sealedFields
	sealedFields []byte
	answerRaw    []byte
	answerSum    string
	answerSeal   bool
	answerFields letterFields
	answerSealed []byte   // the answer's sealed fields
	files        []string // the SHA-256 of each attachment
}

// prepareLoad seals and hashes what Load stores, on every CPU.
func (db *DB) prepareLoad(tickets []LoadTicket) ([]loadRows, error) {
	rows := make([]loadRows, len(tickets))
	errs := make([]error, len(tickets))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			h := db.index.hasher()
			for i := range next {
				rows[i], errs[i] = db.prepareTicket(h, tickets[i])
			}
		})
	}
	for i := range tickets {
		next <- i
	}
	close(next)
	wg.Wait()
	return rows, errors.Join(errs...)
}

func (db *DB) prepareTicket(h *tokenHasher, lt LoadTicket) (loadRows, error) {
	var r loadRows
	if len(lt.Letters) == 0 {
		return r, errors.New("a ticket without a letter")
	}
	t := lt.Letters[0].In.Ticket
	r.desc = t.Description
	if db.seal != nil {
		r.desc = ""
		r.sealed, _ = db.seal.seal([]byte(t.Description), descriptionAD)
	}
	for _, l := range lt.Letters {
		if l.In.BounceOf != "" {
			return r, fmt.Errorf("letter %q reports a bounce: Load does not file those", l.In.MessageID)
		}
		if l.In.Spool != nil {
			return r, fmt.Errorf("letter %q is spooled: Load files letters given as Raw", l.In.MessageID)
		}
		for _, a := range l.In.Attachments {
			if a.Stored {
				return r, fmt.Errorf("letter %q: file %q was stored before: Load stores files given as Data", l.In.MessageID, a.Filename)
			}
		}
		p := preparedLetter{id: identify(l.In)}
		p.raw, p.sealed, p.pieces = db.inline([][]byte{l.In.Raw}, p.id.sum, len(l.In.Raw))
		for _, a := range l.In.Attachments {
			sum, _ := digest([][]byte{a.Data})
			p.files = append(p.files, sum)
		}
		p.fields, p.sealedFields = db.letterFields(dedupeKey(l.In.MessageID, p.id.fp), l.In.FromName, l.In.Ticket.Subject)
		if l.Answer != nil {
			p.answerSum = sha256Hex(l.Answer.Raw)
			p.answerRaw, p.answerSeal = db.seal.seal(l.Answer.Raw, p.answerSum)
			p.answerFields, p.answerSealed = db.letterFields("out:"+l.Answer.MessageID, "", l.Answer.Subject)
		}
		r.letters = append(r.letters, p)
		ts := terms{}
		fieldTerms(ts, t) // and the number, once it is known
		letterTerms(ts, l.In.FromName, l.In.FromAddress, l.In.Ticket.Subject, l.In.Text)
		r.terms = append(r.terms, h.hashes(ts))
	}
	return r, nil
}

// loadState is the store's counters while Load writes.
type loadState struct {
	db                       *DB
	ticket, message, version int64
	index                    bool // the search index takes the tickets
	h                        *tokenHasher
	mailboxes                map[string][2]uint32 // uid validity, highest uid
	tickets, messages        [][]any
	outbox, terms, docs      [][]any
	events                   []ChainEvent
	lastEvent                int64  // the id of the chain's last event
	lastHash                 []byte // and its hash
	chunked                  []chunkedLetter
	attached                 []attachedFiles
}

type chunkedLetter struct {
	id  int64
	sum string
	raw []byte
}

type attachedFiles struct {
	message int64
	files   []Attachment
}

// startLoad reads the counters Load goes on from.
func (db *DB) startLoad(ctx context.Context, tx conn) (*loadState, error) {
	var err error
	s := &loadState{db: db, mailboxes: map[string][2]uint32{}, h: db.index.hasher()}
	if s.index, err = db.indexWritable(ctx, tx); err != nil {
		return nil, err
	}
	if s.ticket, err = nextTicketID(ctx, tx); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM messages").Scan(&s.message); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT value FROM change_sequence WHERE id = 1").Scan(&s.version); err != nil {
		return nil, err
	}
	if s.lastEvent, s.lastHash, err = chainTip(ctx, tx); err != nil {
		return nil, err
	}
	return s, nil
}

// add plays one ticket's history into rows, as the store's methods would
// change the ticket step by step.
func (s *loadState) add(lt LoadTicket, r loadRows) error {
	first := lt.Letters[0]
	t := first.In.Ticket
	t.ID, t.Number = s.ticket, TicketNumber(s.ticket)
	s.ticket++
	t.Status = StatusNew
	if t.Language == "" {
		t.Language = "ru"
	}
	if t.Priority == "" {
		t.Priority = PriorityNormal
	}
	t.CreatedAt, t.UpdatedAt, t.DueAt = first.At.UTC(), first.At.UTC(), t.DueAt.UTC()
	if t.StartedAt.IsZero() {
		t.StartedAt = first.At
	}
	t.StartedAt = t.StartedAt.UTC()
	t.Assignee, t.AnswerProblem = "", "" // Ingest files neither
	if t.Mailbox == "" {
		t.Mailbox = first.In.Mailbox
	}
	if t.Queue == "" {
		t.Queue = first.In.Queue
	}
	var events []ChainEvent
	event := func(at time.Time, actor, action, detail string) {
		s.version++
		t.Version = s.version
		events = append(events, ChainEvent{TicketID: t.ID, At: at, Actor: actor, Action: action, Detail: detail, Version: s.version})
	}
	stored := func(at time.Time, actor string, msg int64, digest string) {
		events = append(events, ChainEvent{TicketID: t.ID, At: at, Actor: actor, Action: "letter.stored",
			Detail: fmt.Sprintf("letter %d", msg), MessageID: msg, Digest: digest})
	}
	var toks []uint64
	number := terms{}
	number.addNumber(t.ID, t.Number)
	numberToks := s.h.hashes(number)
	for i, l := range lt.Letters {
		in := l.In
		if i == 0 {
			event(l.At, "daemon", "ticket.created", in.Note)
		} else {
			s.followUp(&t, in, l.At, event)
		}
		p := r.letters[i]
		msg := s.message
		s.message++
		s.messages = append(s.messages, []any{msg, t.ID, DirectionIn, dedupeKey(in.MessageID, p.id.fp), in.MessageID,
			p.fields.fromName, in.FromAddress, in.ToAddress, p.fields.subject, "", "", in.Mailbox, in.UID, in.Note, in.Auto,
			len(in.Raw), p.id.sum, p.raw, p.sealed, p.pieces, millis(l.At), p.sealedFields, in.ReplyHeader})
		if p.pieces > 0 {
			s.chunked = append(s.chunked, chunkedLetter{msg, p.id.sum, in.Raw})
		}
		if len(in.Attachments) > 0 {
			s.attached = append(s.attached, attachedFiles{msg, in.Attachments})
		}
		stored(l.At, "daemon", msg, LetterDigest(p.id.sum, p.files))
		if in.Mailbox != "" {
			m := s.mailboxes[in.Mailbox]
			s.mailboxes[in.Mailbox] = [2]uint32{in.UIDValidity, max(m[1], in.UID)}
		}
		// The index: as indexLetter adds each letter's terms in turn.
		letter, _ := union(r.terms[i], numberToks)
		if i == 0 {
			toks = letter[:min(len(letter), maxTicketTerms)]
		} else if all, _ := union(toks, letter); len(all) <= maxTicketTerms {
			toks = all
		} else {
			toks = capTerms(toks, letter, maxTicketTerms)
		}
		if out := l.Answer; out != nil {
			id := s.message
			s.message++
			s.messages = append(s.messages, []any{id, t.ID, DirectionOut, "out:" + out.MessageID, out.MessageID,
				"", out.FromAddress, out.ToAddress, p.answerFields.subject, out.Template, out.Operator, "", 0, "", out.Auto,
				len(out.Raw), p.answerSum, p.answerRaw, p.answerSeal, 0, millis(l.At), p.answerSealed, ""})
			if !out.Auto {
				t.AnswerProblem = ""
			}
			event(l.At, actorOf(*out), "reply.queued", out.Template+" to "+out.ToAddress)
			stored(l.At, actorOf(*out), id, LetterDigest(p.answerSum, nil))
			outbox := []any{id, out.EnvelopeFrom, out.EnvelopeTo, 0, millis(l.At), nil}
			if !l.Sent.IsZero() {
				outbox[3], outbox[5] = 1, millis(l.Sent)
				event(l.Sent, "replies", "reply.sent", out.MessageID+" to "+out.EnvelopeTo)
			}
			s.outbox = append(s.outbox, outbox)
		}
	}
	for _, a := range lt.Actions {
		if err := act(&t, a, s.db.Windows, event); err != nil {
			return err
		}
	}
	fields := ticketFields{t.CitizenName, t.Subject, t.AccountNumber, t.ApplicationNumber}
	sealedFields := fields.seal(s.db, t.ID) // here, where the id is known
	if sealedFields != nil {
		fields = ticketFields{}
	}
	s.tickets = append(s.tickets, []any{t.ID, t.Number, t.Status, t.Priority, t.PriorityReason, t.Category, t.Language,
		fields.name, t.CitizenAddress, fields.subject, fields.account, fields.application, r.desc, r.sealed != nil, r.sealed,
		millis(t.CreatedAt), millis(t.DueAt), millis(t.UpdatedAt), nullID(first.In.LinkTo), t.AnswerProblem, t.Assignee, t.Version,
		sealedFields, nullMillis(t.ClosedAt), millis(t.StartedAt), t.Mailbox, t.Queue})
	s.events = append(s.events, events...)
	if s.index {
		s.terms = append(s.terms, []any{t.ID, pack(toks)})
		if s.db.postgres() {
			s.docs = append(s.docs, []any{t.ID, pgTokens(toks)})
		} else {
			s.docs = append(s.docs, []any{t.ID, document(toks)})
		}
	}
	return nil
}

// followUp changes t as a follow-up filed at now does (DB.followUp).
func (s *loadState) followUp(t *Ticket, in Inbound, now time.Time, event func(time.Time, string, string, string)) {
	action := "ticket.followup"
	if continueTicket(t, in, now, s.db.Windows) {
		action = "ticket.reopened"
	}
	t.UpdatedAt = now.UTC()
	event(now, "daemon", action, "letter from "+in.FromAddress)
}

// act changes t as the operators' action a does (DB.Assign, SetPriority,
// SetStatus), with the windows w: an action that changes nothing records
// nothing.
func act(t *Ticket, a LoadAction, w Windows, event func(time.Time, string, string, string)) error {
	if a.Assign {
		assignee := strings.TrimSpace(a.Assignee)
		if assignee != t.Assignee {
			switch {
			case assignee == "":
				event(a.At, a.Actor, "ticket.unassigned", t.Assignee)
			case t.Assignee == "":
				event(a.At, a.Actor, "ticket.assigned", assignee)
			default:
				event(a.At, a.Actor, "ticket.assigned", t.Assignee+" → "+assignee)
			}
			t.Assignee, t.UpdatedAt = assignee, a.At.UTC()
		}
	}
	if a.Priority != "" {
		reason := strings.TrimSpace(a.Reason)
		if !a.Priority.Valid() || reason == "" {
			return fmt.Errorf("priority of %s: %q with reason %q", t.Number, a.Priority, reason)
		}
		if a.Priority != t.Priority || reason != t.PriorityReason {
			event(a.At, a.Actor, "priority.changed", string(t.Priority)+" → "+string(a.Priority)+": "+reason)
			t.Priority, t.PriorityReason, t.UpdatedAt = a.Priority, reason, a.At.UTC()
			if window := w.Of(a.Priority); window > 0 && t.Status.Awaiting() {
				if due := t.StartedAt.Add(window).UTC(); millis(due) != millis(t.DueAt) {
					event(a.At, a.Actor, "deadline.changed", t.DueAt.Format(time.RFC3339)+" → "+due.Format(time.RFC3339))
					t.DueAt = due
				}
			}
		}
	}
	if a.Status != "" {
		if !a.Status.Valid() {
			return fmt.Errorf("store: unknown status %q", a.Status)
		}
		if a.Status != t.Status {
			event(a.At, a.Actor, "ticket.status", string(t.Status)+" → "+string(a.Status))
			t.Status, t.UpdatedAt, t.ClosedAt = a.Status, a.At.UTC(), time.Time{}
			if a.Status == StatusClosed {
				t.ClosedAt = a.At.UTC()
			}
		}
	}
	return nil
}

// writeLoad writes the rows Load made so far, and forgets them.
func (db *DB) writeLoad(ctx context.Context, tx conn, s *loadState) error {
	defer s.reset()
	link(s.events, s.lastEvent, s.lastHash)
	events := make([][]any, len(s.events))
	for i, e := range s.events {
		events[i] = eventRow(e)
	}
	if len(s.events) > 0 {
		last := s.events[len(s.events)-1]
		s.lastEvent, s.lastHash = last.ID, last.Hash
	}
	inserts := []struct {
		text string
		rows [][]any
	}{
		{`INSERT INTO tickets (id, number, status, priority, priority_reason, category, language, citizen_name,
			citizen_address, subject, account_number, application_number, description, description_sealed,
			sealed_description, created_at, due_at, updated_at, linked_ticket_id, answer_problem, assignee, version,
			sealed_fields, closed_at, clock_at, mailbox, queue) VALUES`, s.tickets},
		{`INSERT INTO messages (id, ticket_id, direction, dedupe_key, message_id, from_name, from_address, to_address,
			subject, template, operator, mailbox, uid, note, auto, size, raw_sha256, raw, sealed, chunks, created_at,
			sealed_fields, reply_header) VALUES`, s.messages},
		{`INSERT INTO outbox (message_id, envelope_from, envelope_to, attempts, next_attempt_at, sent_at) VALUES`, s.outbox},
		{"INSERT INTO events (" + eventRowColumns + ") VALUES", events},
		{`INSERT INTO ticket_terms (ticket_id, terms) VALUES`, s.terms},
		{`INSERT INTO ticket_search (rowid, terms) VALUES`, s.docs},
	}
	if db.postgres() {
		inserts[len(inserts)-1].text = `INSERT INTO ticket_search (ticket_id, terms) VALUES`
	}
	for _, in := range inserts {
		if err := insertRows(ctx, tx, in.text, in.rows); err != nil {
			return err
		}
	}
	for _, c := range s.chunked {
		if err := db.putChunks(ctx, tx, messageOwner(c.id), c.sum, [][]byte{c.raw}); err != nil {
			return err
		}
	}
	for _, a := range s.attached {
		if _, err := db.insertAttachments(ctx, tx, a.message, a.files); err != nil {
			return err
		}
	}
	return nil
}

// reset forgets the rows written.
func (s *loadState) reset() {
	s.tickets, s.messages, s.outbox, s.events, s.terms, s.docs = nil, nil, nil, nil, nil, nil
	s.chunked, s.attached = nil, nil
}

// finishLoad moves the watermarks and the change sequence on.
func (db *DB) finishLoad(ctx context.Context, tx conn, s *loadState) error {
	for mailbox, m := range s.mailboxes {
		if err := advance(ctx, tx, mailbox, m[0], m[1]); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE change_sequence SET value = ? WHERE id = 1", s.version); err != nil {
		return fmt.Errorf("advance the change sequence: %w", err)
	}
	if db.postgres() {
		// Load gave ids of its own, past what the sequences gave.
		for _, table := range []string{"tickets", "messages"} {
			if _, err := tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('"+table+"', 'id'), (SELECT COALESCE(MAX(id), 1) FROM "+table+"))"); err != nil {
				return fmt.Errorf("advance the ids of %s: %w", table, err)
			}
		}
	}
	return nil
}

// insertRows inserts rows with the INSERT ... VALUES text, many rows a
// statement: full groups with a statement prepared once, the rest with
// one made for them.
func insertRows(ctx context.Context, tx conn, text string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	cols := len(rows[0])
	group := min(200, 32000/cols)
	row := "(" + marks(cols) + ")"
	for len(rows) > 0 {
		n := min(group, len(rows))
		args := make([]any, 0, n*cols)
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		query := text + " " + strings.Repeat(row+", ", n-1) + row
		var err error
		if n == group {
			_, err = tx.ExecContext(ctx, query, args...)
		} else {
			_, err = tx.tx.ExecContext(ctx, tx.db.text(query), tx.db.args(args)...) // not kept: its size is not seen again
		}
		if err != nil {
			return fmt.Errorf("%s: %w", strings.Fields(text)[2], err)
		}
		rows = rows[n:]
	}
	return nil
}
