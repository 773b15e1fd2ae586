package audit

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/ticketd/ticketd/store"
)

// Format names an export in its manifest; FormatVersion is the version of
// the layout this package writes and reads.
const (
	Format        = "ticketd export"
	FormatVersion = 1
)

// The fixed entries of an export.
const (
	ManifestPath = "manifest.json"
	SegmentPath  = "chain.jsonl"
)

// MaxManifestSize is the largest manifest.json Write writes and
// VerifyExport reads: some five thousand tickets. A hostile manifest of
// that size made of empty objects decodes into some GB, which is the most
// memory checking an archive of unknown origin can take.
const MaxManifestSize = 64 << 20

// Manifest is manifest.json: what an export holds.
type Manifest struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exported_at"`
	ExportedBy string    `json:"exported_by"` // as the event log names people
	Asked      Asked     `json:"asked"`
	// Head is the chain's head when the export was read, as "ticketd audit
	// head" prints it (COUNT:HASH): the segment ends at it.
	Head    string   `json:"head"`
	Tickets []Ticket `json:"tickets"`
	Segment Segment  `json:"chain_segment"`
}

// Asked is what the export was asked for: a ticket or a sender.
type Asked struct {
	Ticket string `json:"ticket,omitempty"`
	Sender string `json:"sender,omitempty"`
}

// String says what was asked, for people.
func (a Asked) String() string {
	if a.Sender != "" {
		return "the tickets of " + a.Sender
	}
	return a.Ticket
}

// Ticket is one exported ticket: its fields as the store has them, every
// event of it, its internal notes and its letters.
type Ticket struct {
	ID int64 `json:"id"` // the store's: the ticket_id of its events
	store.Ticket
	Events  []Event      `json:"events"`
	Notes   []store.Note `json:"notes"`
	Letters []Letter     `json:"letters"`
}

// Letter is one letter of an exported ticket.
type Letter struct {
	ID            int64           `json:"id"` // the store's: the message_id of its letter.stored event
	Direction     store.Direction `json:"direction"`
	Path          string          `json:"path,omitempty"` // "" when Removed
	Size          int64           `json:"size"`
	SHA256        string          `json:"sha256"`
	MessageID     string          `json:"message_id,omitempty"`
	FromName      string          `json:"from_name,omitempty"`
	From          string          `json:"from,omitempty"`
	ReplyHeader   string          `json:"reply_header,omitempty"` // where From was found as the address answered (store.Message.ReplyHeader)
	To            string          `json:"to,omitempty"`
	Subject       string          `json:"subject,omitempty"`
	Template      string          `json:"template,omitempty"`
	Operator      string          `json:"operator,omitempty"`
	Auto          bool            `json:"auto,omitempty"`
	Undeliverable string          `json:"undeliverable,omitempty"`
	CreatedAt     time.Time       `json:"created_at,omitzero"` // received, or queued
	SentAt        time.Time       `json:"sent_at,omitzero"`
	// Removed says why the letter's bytes are not in the export (the
	// store no longer holds them); its SHA-256 is then the one its
	// letter.stored event recorded, and it has no Path, Size or Files.
	Removed string `json:"removed,omitempty"`
	Files   []File `json:"files,omitempty"`
}

// File is one file a letter carried.
type File struct {
	Path         string        `json:"path"`
	Name         string        `json:"name"`
	OriginalName string        `json:"original_name,omitempty"`
	Size         int64         `json:"size"`
	SHA256       string        `json:"sha256"`
	DeclaredType string        `json:"content_type,omitempty"`
	DetectedType string        `json:"detected_type,omitempty"`
	Verdict      store.Verdict `json:"verdict"`
	Reason       string        `json:"reason,omitempty"`
}

// Segment describes chain.jsonl.
type Segment struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	First  int64  `json:"first"`  // the id of its first event
	Last   int64  `json:"last"`   // and of its last: the head's
	Events int64  `json:"events"` // how many it holds
}

// Event is an event as an export gives it: in full (an event of an
// exported ticket), or reduced to its ID, PrevHash and Hash (any other).
type Event struct {
	ID           int64     `json:"id"`
	TicketID     int64     `json:"ticket_id,omitempty"`
	At           time.Time `json:"at,omitzero"`
	Actor        string    `json:"actor,omitempty"`
	Action       string    `json:"action,omitempty"`
	Detail       string    `json:"detail,omitempty"`
	DetailErased bool      `json:"detail_erased,omitempty"`
	Version      int64     `json:"version,omitempty"`
	MessageID    int64     `json:"message_id,omitempty"`
	Digest       string    `json:"digest,omitempty"`
	PrevHash     Hash      `json:"prev_hash"`
	Hash         Hash      `json:"hash"`
}

// eventOf is c as an export gives it.
func eventOf(c store.ChainEvent) Event {
	return Event{ID: c.ID, TicketID: c.TicketID, At: c.At, Actor: c.Actor, Action: c.Action, Detail: c.Detail,
		DetailErased: c.DetailErased, Version: c.Version, MessageID: c.MessageID, Digest: c.Digest,
		PrevHash: c.PrevHash, Hash: c.Hash}
}

// chain is e as the chain hashes it.
func (e Event) chain() store.ChainEvent {
	return store.ChainEvent{ID: e.ID, TicketID: e.TicketID, At: e.At, Actor: e.Actor, Action: e.Action, Detail: e.Detail,
		DetailErased: e.DetailErased, Version: e.Version, MessageID: e.MessageID, Digest: e.Digest,
		PrevHash: e.PrevHash, Hash: e.Hash}
}

// Hash is a SHA-256, written in hexadecimal as "ticketd audit head"
// prints hashes.
type Hash []byte

// MarshalText writes h in hexadecimal.
func (h Hash) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

// UnmarshalText reads a hexadecimal SHA-256.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	if err != nil || len(v) != 32 {
		return fmt.Errorf("audit: hash %.80q: want 64 hexadecimal digits", b)
	}
	*h = v
	return nil
}
