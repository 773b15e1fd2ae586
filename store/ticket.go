package store

import (
	"fmt"
	"time"
)

// Status is where a ticket stands.
type Status string

// Ticket statuses.
const (
	StatusNew        Status = "new"
	StatusInProgress Status = "in_progress"
	StatusWaiting    Status = "waiting_for_citizen"
	StatusAnswered   Status = "answered"
	StatusClosed     Status = "closed"
)

// Open reports whether s is a status of a ticket not closed: one that
// StatusCounts counts.
func (s Status) Open() bool { return s.Valid() && s != StatusClosed }

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusNew, StatusInProgress, StatusWaiting, StatusAnswered, StatusClosed:
		return true
	}
	return false
}

// Priority says how soon a ticket must be answered. triage has its own
// triage.Priority for what a letter asks; the daemon converts.
type Priority string

// Ticket priorities.
const (
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p == PriorityNormal || p == PriorityHigh }

// Direction says whether a letter came in from a citizen or went out to one.
type Direction string

// Letter directions; the values are what messages.direction holds.
const (
	DirectionIn  Direction = "in"
	DirectionOut Direction = "out"
)

// Verdict is what was decided about a file a letter carried.
type Verdict string

// Verdicts on files (see attachments.Verdict).
const (
	VerdictAccepted Verdict = "accepted" // one of the citizen's files
	VerdictRejected Verdict = "rejected" // refused: the reason says why
	VerdictSkipped  Verdict = "skipped"  // a signature logo: stored, not counted, not explained
)

// Ticket is one citizen's case.
type Ticket struct {
	ID                int64    `json:"-"`
	Number            string   `json:"number"`
	Status            Status   `json:"status"`
	Priority          Priority `json:"priority"`
	PriorityReason    string   `json:"priority_reason,omitempty"`
	Category          string   `json:"category,omitempty"`
	Language          string   `json:"language"`
	CitizenName       string   `json:"citizen_name,omitempty"`
	CitizenAddress    string   `json:"citizen_address"`
	Subject           string   `json:"subject"`
	AccountNumber     string   `json:"account_number,omitempty"`
	ApplicationNumber string   `json:"application_number,omitempty"`
	Description       string   `json:"description,omitempty"` // not read by lists (FindTickets)
	LinkedTo          string   `json:"linked_to,omitempty"`   // number of an earlier ticket this one refers to
	Assignee          string   `json:"assignee,omitempty"`    // the operator who took the ticket; "" while nobody has
	// AnswerProblem is why the citizen could not be answered automatically
	// (the acknowledgement could not be composed, or the mail server
	// refused it for good); "" otherwise. It stays until an operator
	// answers.
	AnswerProblem string `json:"answer_problem,omitempty"`
	// CreatedAt is when the letter that opened the ticket arrived. Given
	// to Ingest, zero (or a time after now) means when it is filed; an
	// import of a backlog gives the letter's own date.
	CreatedAt time.Time `json:"created_at"`
	DueAt     time.Time `json:"due_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// StartedAt is when the clock of DueAt started: the arrival of the
	// letter that opened the ticket, or of the follow-up that reopened it
	// or brought its deadline forward. DueAt - StartedAt is the ticket's
	// window (deadlines.go). Given to Ingest, zero means when it is filed.
	StartedAt time.Time `json:"started_at"`
	// ClosedAt is when the ticket was last closed; zero while it is not.
	ClosedAt time.Time `json:"closed_at,omitzero"`
	// PurgedAt is when its correspondence was removed under the retention
	// rule PurgeRule names (purge.go): its letters, files, notes,
	// description and the citizen's fields are gone. Zero while kept.
	PurgedAt  time.Time `json:"purged_at,omitzero"`
	PurgeRule string    `json:"purge_rule,omitempty"`
	// Version changes with every change to the ticket or its
	// correspondence (version.go): an action decided on a version is
	// refused once the ticket is at another.
	Version int64 `json:"version"`
	// Mailbox is the mailbox the ticket's first letter came in by (its
	// watermark key: a [[mailbox]] name, or "INBOX" for the single
	// [imap]), and Queue the queue it landed in; "" for tickets stored
	// before migration 0017 or not from a mailbox. Ingest takes them from
	// Inbound.
	Mailbox string `json:"mailbox,omitempty"`
	Queue   string `json:"queue,omitempty"`
}

// TicketNumber formats the human number of ticket id, e.g. TKT-000123.
func TicketNumber(id int64) string { return fmt.Sprintf("TKT-%06d", id) }

// Message is one letter of a ticket's correspondence, without its bytes
// (DB.Raw reads them).
type Message struct {
	ID          int64     `json:"-"`
	TicketID    int64     `json:"-"`
	Direction   Direction `json:"direction"`
	MessageID   string    `json:"message_id"`
	FromName    string    `json:"from_name,omitempty"`
	FromAddress string    `json:"from"`
	// ReplyHeader, for a letter in from a person, is the header field that
	// held FromAddress as the address it is answered at ("reply-to",
	// "from", "from-encoded-word", "from-display-name", …; see
	// mailparse.ReplyHeader), or ReplyHeaderNone when it had none; "" for
	// letters out, automatic mail and letters filed before it was kept.
	ReplyHeader   string    `json:"reply_header,omitempty"`
	ToAddress     string    `json:"to"`
	Subject       string    `json:"subject"`
	Template      string    `json:"template,omitempty"`
	Operator      string    `json:"operator,omitempty"`
	Auto          bool      `json:"auto,omitempty"`          // automatic mail, either way
	Undeliverable string    `json:"undeliverable,omitempty"` // why the recipient's server bounced it
	Mailbox       string    `json:"mailbox,omitempty"`
	UID           uint32    `json:"uid,omitempty"`
	Note          string    `json:"note,omitempty"`
	Size          int64     `json:"size"`
	RawSHA256     string    `json:"raw_sha256"`
	CreatedAt     time.Time `json:"created_at"`
	SentAt        time.Time `json:"sent_at,omitzero"`
	// PurgedAt is when a purge removed the letter's bytes, files and
	// addresses (purge.go); zero while it is kept. Size and RawSHA256
	// stay.
	PurgedAt time.Time `json:"purged_at,omitzero"`
}

// ReplyHeaderNone is the Message.ReplyHeader of a letter from a person
// that held no address an answer could go to (a no-reply From and no
// Reply-To, say): its FromAddress is its From, which is never answered,
// and which makes nobody a participant of its ticket (DB.Thread).
const ReplyHeaderNone = "none"

// Event is one line of the append-only event log.
type Event struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
	// Version is the version the event's change gave its ticket; 0 for
	// events of no ticket, and those recorded before versions were kept.
	Version int64 `json:"version,omitempty"`
}

// Attachment is a file a letter carried, with the verdict on it. Data,
// Thumbnail and Display are stored once per SHA-256.
type Attachment struct {
	Filename     string   `json:"filename"`
	OriginalName string   `json:"original_name,omitempty"`
	DeclaredType string   `json:"content_type"`
	DetectedType string   `json:"detected_type"`
	Size         int64    `json:"size"`
	SHA256       string   `json:"sha256"`
	Verdict      Verdict  `json:"verdict"`
	Reason       string   `json:"reason,omitempty"`
	Detail       string   `json:"detail,omitempty"`
	Width        int      `json:"width,omitempty"`
	Height       int      `json:"height,omitempty"`
	Pages        int      `json:"pages,omitempty"`
	Data         []byte   `json:"-"`
	Thumbnail    []byte   `json:"-"`
	Display      [][]byte `json:"-"` // may come in slices (of Data); stored joined

	// Stored says the file, its thumbnail and its display copy were put
	// in the store beforehand (DB.PutFile) as the blobs SHA256,
	// ThumbnailSHA256 and DisplaySHA256 ("" for none): Data, Thumbnail and
	// Display are then nil, and Ingest only refers to the blobs, failing
	// with ErrFileMissing when one is not there (a sweep took it, or a
	// purge emptied it). A large letter's files are stored so, one at a
	// time, instead of being held until the letter is filed.
	Stored bool `json:"-"`
	// ThumbnailSHA256 and DisplaySHA256 name the blobs (DB.Blob) of the
	// file's thumbnail and display copy; "" when it has none (only an
	// accepted image has them). Ingest reads them when Stored;
	// AttachmentFile fills them.
	ThumbnailSHA256 string `json:"-"`
	DisplaySHA256   string `json:"-"`
}
