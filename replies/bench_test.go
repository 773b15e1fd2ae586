package replies

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/memmail"
	"github.com/ticketd/ticketd/store"
)

// BenchmarkOutboxDrain sends 500 queued acknowledgements of 4 KB through
// an in-process SMTP server over 4 connections, recording each sent: the
// outbox's own cost, without a real server's.
func BenchmarkOutboxDrain(b *testing.B) {
	const letters = 500
	ctx := context.Background()
	sink, err := memmail.StartSMTP()
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	text := strings.Repeat("Ваше обращение зарегистрировано. ", 60)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for i := range b.N {
		b.StopTimer()
		db, err := store.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("t%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		for n := range letters {
			in := store.Inbound{Raw: []byte(fmt.Sprintf("letter %d", n)), MessageID: fmt.Sprintf("%d@bench", n),
				FromAddress: "citizen@example.ru",
				Ticket:      store.Ticket{CitizenAddress: "citizen@example.ru", DueAt: time.Now().Add(time.Hour)}}
			_, err := db.Ingest(ctx, in, func(t store.Ticket, _ store.Situation) (*store.Outgoing, error) {
				o, err := Compose(Draft{From: mail.Address{Address: "support@example.gov"}, To: mail.Address{Address: "citizen@example.ru"},
					Subject: t.Number, Text: text, Auto: true, Template: "ack"}, time.Now())
				return &o, err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		o := NewOutbox(db, SMTP{Address: sink.Addr, TLS: TLSNone}, log)
		o.Connections = 4
		b.StartTimer()
		sent, err := o.Drain(ctx)
		b.StopTimer()
		if err != nil || sent != letters {
			b.Fatalf("Drain = %d, %v; want %d", sent, err, letters)
		}
		db.Close()
		b.StartTimer()
	}
}
