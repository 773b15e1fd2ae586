package replies

import (
	"context"
	"time"

	"github.com/ticketd/ticketd/store"
)

// Conversation is a ticket as an operator reads it: the ticket, its
// letters in order with their files, and its event log. Its JSON is what
// "ticketd show -json" prints.
type Conversation struct {
	store.Ticket
	Messages []ConversationMessage `json:"messages"`
	Events   []store.Event         `json:"events"`
}

// ConversationMessage is one letter of a Conversation.
type ConversationMessage struct {
	store.Message
	ReceivedAt  *time.Time         `json:"received_at,omitempty"` // letters in: when they arrived
	Attachments []store.Attachment `json:"attachments,omitempty"`
}

// Correspondence is what reading a ticket's conversation needs of the
// store; *store.DB is one, and so is every Tickets.
type Correspondence interface {
	Messages(ctx context.Context, ticketID int64) ([]store.Message, error)
	AttachmentsOfTicket(ctx context.Context, ticketID int64) (map[int64][]store.Attachment, error)
	Events(ctx context.Context, ticketID int64) ([]store.Event, error)
}

// Conversation loads ticket number for reading, without the letters'
// bytes (store.DB.Raw has them).
func (o *Operator) Conversation(ctx context.Context, number string) (Conversation, error) {
	t, err := o.Tickets.Ticket(ctx, number)
	if err != nil {
		return Conversation{}, err
	}
	return ReadConversation(ctx, o.Tickets, t)
}

// ReadConversation reads the letters, files and events of ticket t, which
// the caller has read: the one way both faces, "ticketd show" and the
// console, put a ticket's conversation together.
func ReadConversation(ctx context.Context, c Correspondence, t store.Ticket) (Conversation, error) {
	conv := Conversation{Ticket: t}
	msgs, err := c.Messages(ctx, t.ID)
	if err != nil {
		return conv, err
	}
	files, err := c.AttachmentsOfTicket(ctx, t.ID)
	if err != nil {
		return conv, err
	}
	for _, m := range msgs {
		cm := ConversationMessage{Message: m, Attachments: files[m.ID]}
		if m.Direction == store.DirectionIn {
			at := m.CreatedAt
			cm.ReceivedAt = &at
		}
		conv.Messages = append(conv.Messages, cm)
	}
	conv.Events, err = c.Events(ctx, t.ID)
	return conv, err
}
