package replies

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketd/ticketd/internal/memmail"
	"github.com/ticketd/ticketd/store"
)

func queued(t *testing.T, to ...string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for i, addr := range to {
		in := store.Inbound{MessageID: addr, Raw: []byte("x"), FromAddress: addr,
			Ticket: store.Ticket{CitizenAddress: addr, DueAt: time.Now()}}
		_, err := db.Ingest(ctx, in, func(tk store.Ticket, _ store.Situation) (*store.Outgoing, error) {
			o, err := Compose(Draft{From: mail.Address{Address: "support@example.gov"}, To: mail.Address{Address: addr},
				Subject: tk.Number, Text: "ok", Auto: true, Template: "ack"}, time.Now())
			return &o, err
		})
		if err != nil {
			t.Fatalf("queue %d: %v", i, err)
		}
	}
	return db
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestDrainSendsAndMarks(t *testing.T) {
	sink, err := memmail.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	db := queued(t, "a@example.ru", "b@example.ru")
	o := NewOutbox(db, SMTP{Address: sink.Addr, TLS: TLSNone}, quiet())
	n, err := o.Drain(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("Drain = %d, %v; want 2, nil", n, err)
	}
	if got := len(sink.Deliveries()); got != 2 {
		t.Errorf("sink got %d letters, want 2", got)
	}
	if n, _ := o.Drain(context.Background()); n != 0 {
		t.Errorf("second Drain sent %d, want 0", n)
	}
	if c, _ := db.Count(context.Background()); c.Unsent != 0 {
		t.Errorf("Unsent = %d, want 0", c.Unsent)
	}
}

func TestDrainServerDownKeepsLetters(t *testing.T) {
	sink, _ := memmail.StartSMTP()
	addr := sink.Addr
	sink.Close()
	db := queued(t, "a@example.ru")
	o := NewOutbox(db, SMTP{Address: addr, TLS: TLSNone, Timeout: time.Second}, quiet())
	if _, err := o.Drain(context.Background()); err == nil {
		t.Fatal("Drain with the server down returned no error")
	}
	c, _ := db.Count(context.Background())
	if c.Unsent != 1 {
		t.Errorf("after a failed Drain: unsent %d, want the letter still queued", c.Unsent)
	}
}

func TestDrainGivesUpOnPermanentRefusal(t *testing.T) {
	sink, _ := memmail.StartSMTP()
	defer sink.Close()
	sink.Refuse(func(rcpt string) error {
		if rcpt == "gone@example.ru" {
			// as real servers do, the reply repeats the address
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<gone@example.ru>: no such user"}
		}
		return nil
	})
	db := queued(t, "gone@example.ru", "ok@example.ru")
	var logged bytes.Buffer
	o := NewOutbox(db, SMTP{Address: sink.Addr, TLS: TLSNone}, slog.New(slog.NewTextHandler(&logged, nil)))
	n, err := o.Drain(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Drain = %d, %v; want 1 sent", n, err)
	}
	if c, _ := db.Count(context.Background()); c.Unsent != 0 {
		t.Errorf("Unsent = %d, want 0: the refused letter is given up, not retried", c.Unsent)
	}
	ev, _ := db.Events(context.Background(), 1)
	if last := ev[len(ev)-1]; last.Action != "reply.failed" {
		t.Errorf("last event of the refused ticket = %s, want reply.failed", last.Action)
	}
	if !strings.Contains(logged.String(), "giving up") || strings.Contains(logged.String(), "gone@") {
		t.Errorf("log = %q, want the giving up logged without the recipient's address", logged.String())
	}
}

func TestDelayBackoff(t *testing.T) {
	o := &Outbox{MinDelay: time.Second, MaxDelay: 10 * time.Second}
	prev := time.Duration(0)
	for i := 0; i < 8; i++ {
		d := o.delay(i)
		if d > 10*time.Second || d < 800*time.Millisecond {
			t.Errorf("delay(%d) = %v, outside 0.8s..10s", i, d)
		}
		if i < 3 && d <= prev {
			t.Errorf("delay(%d) = %v, not more than delay(%d) = %v", i, d, i-1, prev)
		}
		prev = d
	}
}

func TestDrainOverSeveralConnections(t *testing.T) {
	sink, err := memmail.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	var to []string
	for i := 0; i < 30; i++ {
		to = append(to, fmt.Sprintf("c%d@example.ru", i))
	}
	db := queued(t, to...)
	o := NewOutbox(db, SMTP{Address: sink.Addr, TLS: TLSNone}, quiet())
	o.Connections = 4
	if n, err := o.Drain(context.Background()); err != nil || n != 30 {
		t.Fatalf("Drain = %d, %v; want 30", n, err)
	}
	seen := map[string]int{}
	for _, d := range sink.Deliveries() {
		seen[d.To[0]]++
	}
	for _, addr := range to {
		if seen[addr] != 1 {
			t.Errorf("%s got %d letters, want 1", addr, seen[addr])
		}
	}
}

// countingDialer dials d and counts the sessions; the first dial runs
// first, as if the daemon queued letters while the outbox drains.
type countingDialer struct {
	d     Dialer
	mu    sync.Mutex
	dials int
	first func()
}

func (c *countingDialer) Dial(ctx context.Context) (*Session, error) {
	c.mu.Lock()
	c.dials++
	first := c.dials == 1 && c.first != nil
	c.mu.Unlock()
	if first {
		c.first()
	}
	return c.d.Dial(ctx)
}

func TestDrainKeepsSessionsAndTakesLettersQueuedMeanwhile(t *testing.T) {
	sink, err := memmail.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	var to []string
	for i := 0; i < 200; i++ {
		to = append(to, fmt.Sprintf("c%d@example.ru", i))
	}
	db := queued(t, to...)
	later := []string{"late1@example.ru", "late2@example.ru"}
	dialer := &countingDialer{d: SMTP{Address: sink.Addr, TLS: TLSNone}, first: func() {
		for _, addr := range later {
			in := store.Inbound{MessageID: addr, Raw: []byte("x"), FromAddress: addr,
				Ticket: store.Ticket{CitizenAddress: addr, DueAt: time.Now()}}
			_, err := db.Ingest(context.Background(), in, func(tk store.Ticket, _ store.Situation) (*store.Outgoing, error) {
				o, err := Compose(Draft{From: mail.Address{Address: "support@example.gov"}, To: mail.Address{Address: addr},
					Subject: tk.Number, Text: "ok", Auto: true, Template: "ack"}, time.Now())
				return &o, err
			})
			if err != nil {
				t.Errorf("queue %s: %v", addr, err)
			}
		}
	}}
	o := NewOutbox(db, dialer, quiet())
	o.Connections = 2
	n, err := o.Drain(context.Background())
	if err != nil || n != len(to)+len(later) {
		t.Fatalf("Drain = %d, %v; want %d", n, err, len(to)+len(later))
	}
	if dialer.dials > o.Connections {
		t.Errorf("%d sessions for %d letters over %d connections; want at most %d", dialer.dials, n, o.Connections, o.Connections)
	}
	if got := len(sink.Deliveries()); got != n {
		t.Errorf("sink got %d letters, want %d", got, n)
	}
	if left, _ := db.DueDeliveries(context.Background(), time.Now().Add(time.Minute), 10); len(left) != 0 {
		t.Errorf("%d letters still due after Drain", len(left))
	}
}

// limitedDialer refuses every other dial, as a server that allows one
// client fewer connections than it opens does.
type limitedDialer struct {
	d     Dialer
	mu    sync.Mutex
	dials int
}

func (l *limitedDialer) Dial(ctx context.Context) (*Session, error) {
	l.mu.Lock()
	l.dials++
	refused := l.dials%2 == 0
	l.mu.Unlock()
	if refused {
		return nil, fmt.Errorf("421 too many connections from your host")
	}
	return l.d.Dial(ctx)
}

func TestDrainGoesOnWhenSomeConnectionsAreRefused(t *testing.T) {
	sink, err := memmail.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	var to []string
	for i := 0; i < 40; i++ {
		to = append(to, fmt.Sprintf("c%d@example.ru", i))
	}
	db := queued(t, to...)
	o := NewOutbox(db, &limitedDialer{d: SMTP{Address: sink.Addr, TLS: TLSNone}}, quiet())
	o.Connections = 4
	total := 0
	for range 3 { // a refused connection leaves the letter it took due for the next drain
		n, err := o.Drain(context.Background())
		if err != nil {
			t.Fatalf("Drain with half the connections refused: %v", err)
		}
		total += n
		if left, _ := db.DueDeliveries(context.Background(), time.Now().Add(time.Minute), 100); len(left) == 0 {
			break
		}
	}
	if total != len(to) || len(sink.Deliveries()) != len(to) {
		t.Errorf("sent %d, server got %d; want %d each", total, len(sink.Deliveries()), len(to))
	}
}
