package daemon

import (
	"context"
	"slices"
	"testing"

	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/store"
)

// The store the daemon is wired with is a Store, and its batches Batches.
var (
	_ Store = (*store.DB)(nil)
	_ Batch = (*store.Batch)(nil)
)

// knownThreads is a Batch that knows which ticket each Message-ID and tag
// belongs to, and who took part in it; it files nothing.
type knownThreads struct {
	byID  map[string]int64
	byTag map[string]int64
	who   map[int64][]string
}

func (k knownThreads) Thread(_ context.Context, ids []string, tag, from string) (store.Thread, bool, error) {
	var id int64
	for i := len(ids) - 1; i >= 0 && id == 0; i-- {
		id = k.byID[ids[i]]
	}
	if id == 0 {
		id = k.byTag[tag]
	}
	if id == 0 {
		return store.Thread{}, false, nil
	}
	return store.Thread{TicketID: id, Number: store.TicketNumber(id), Participant: slices.Contains(k.who[id], from)}, true, nil
}

func (knownThreads) Ingest(context.Context, store.Inbound, store.AnswerFunc) (store.Ingested, error) {
	return store.Ingested{}, nil
}
func (knownThreads) Advance(context.Context, string, uint32, uint32) error { return nil }
func (knownThreads) Err() error                                            { return nil }
func (knownThreads) Commit() error                                         { return nil }

// TestThreadDecides checks how thread files a letter given what the batch
// knows: the daemon's side of threading, without a database.
func TestThreadDecides(t *testing.T) {
	b := knownThreads{
		byID:  map[string]int64{"q1@citizen": 1, "ack-1@ticketd": 1, "ack-2@ticketd": 2},
		byTag: map[string]int64{"TKT-000001": 1},
		who:   map[int64][]string{1: {"ivan@example.ru"}, 2: {"olga@example.ru"}},
	}
	from := func(a string) mailparse.Address { return mailparse.Address{Address: a} }
	// person is a letter from a person at a, answered at reply.
	person := func(a, reply string, h mailparse.ReplyHeader, subject string) mailparse.Letter {
		return mailparse.Letter{From: from(a), Reply: from(reply), ReplyHeader: h, Subject: subject}
	}
	tests := []struct {
		name string
		l    mailparse.Letter
		want store.Inbound // TicketID, Reopen, LinkTo and BounceOf
	}{
		{"a reply from the citizen", mailparse.Letter{From: from("ivan@example.ru"), Reply: from("ivan@example.ru"),
			ReplyHeader: mailparse.FromHeader, InReplyTo: []string{"ack-1@ticketd"}}, store.Inbound{TicketID: 1, Reopen: true}},
		{"the citizen through a web form, in Reply-To", person("noreply@portal.example", "ivan@example.ru", mailparse.ReplyToHeader, "[TKT-000001]"),
			store.Inbound{TicketID: 1, Reopen: true}},
		{"the citizen's From recovered from an encoded word", person("ivan@example.ru", "ivan@example.ru", mailparse.FromEncodedWord, "[TKT-000001]"),
			store.Inbound{TicketID: 1, Reopen: true}},
		{"the citizen's From with a stranger's Reply-To opens a linked ticket",
			person("ivan@example.ru", "mallory@example.org", mailparse.ReplyToHeader, "[TKT-000001]"), store.Inbound{LinkTo: 1}},
		{"a letter with no address to answer opens a linked ticket",
			person("ivan@example.ru", "", mailparse.ReplyNone, "[TKT-000001]"), store.Inbound{LinkTo: 1}},
		{"an automatic reply joins without reopening", mailparse.Letter{From: from("ivan@example.ru"),
			InReplyTo: []string{"ack-1@ticketd"}, Auto: mailparse.AutoReply}, store.Inbound{TicketID: 1}},
		{"the tag from the citizen", person("ivan@example.ru", "ivan@example.ru", mailparse.FromHeader, "Re: [TKT-000001] вопрос"),
			store.Inbound{TicketID: 1, Reopen: true}},
		{"the tag from a stranger opens a linked ticket", person("mallory@example.org", "mallory@example.org", mailparse.FromHeader, "TKT-000001"),
			store.Inbound{LinkTo: 1}},
		{"a bounce joins the ticket of the letter it returns", mailparse.Letter{From: from("mailer-daemon@mx"),
			Auto: mailparse.AutoBounce, BounceOf: "ack-2@ticketd"}, store.Inbound{TicketID: 2, BounceOf: "ack-2@ticketd"}},
		{"a new letter", person("ivan@example.ru", "ivan@example.ru", mailparse.FromHeader, "Новый вопрос"), store.Inbound{}},
	}
	d := &Daemon{}
	for _, tt := range tests {
		var in store.Inbound
		if err := d.thread(context.Background(), b, &in, &tt.l); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := store.Inbound{TicketID: in.TicketID, Reopen: in.Reopen, LinkTo: in.LinkTo, BounceOf: in.BounceOf}
		if got.TicketID != tt.want.TicketID || got.Reopen != tt.want.Reopen || got.LinkTo != tt.want.LinkTo || got.BounceOf != tt.want.BounceOf {
			t.Errorf("%s: thread = ticket %d reopen %v link %d bounce %q; want ticket %d reopen %v link %d bounce %q", tt.name,
				got.TicketID, got.Reopen, got.LinkTo, got.BounceOf, tt.want.TicketID, tt.want.Reopen, tt.want.LinkTo, tt.want.BounceOf)
		}
	}
}
