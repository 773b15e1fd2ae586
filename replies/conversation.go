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

// Conversation loads ticket number for reading, without the letters'
// bytes (store.DB.Raw has them).
func (o *Operator) Conversation(ctx context.Context, number string) (Conversation, error) {
	t, err := o.Tickets.Ticket(ctx, number)
	if err != nil {
		return Conversation{}, err
	}
	c := Conversation{Ticket: t}
	msgs, err := o.Tickets.Messages(ctx, t.ID)
	if err != nil {
		return c, err
	}
	files, err := o.Tickets.AttachmentsOfTicket(ctx, t.ID)
	if err != nil {
		return c, err
	}
	for _, m := range msgs {
		cm := ConversationMessage{Message: m, Attachments: files[m.ID]}
		if m.Direction == store.DirectionIn {
			at := m.CreatedAt
			cm.ReceivedAt = &at
		}
		c.Messages = append(c.Messages, cm)
	}
	c.Events, err = o.Tickets.Events(ctx, t.ID)
	return c, err
}
