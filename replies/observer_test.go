package replies

import (
	"context"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/ticketd/ticketd/internal/memmail"
)

// answerTally is an Observer that adds up what it is told.
type answerTally struct {
	mu                   sync.Mutex
	queued, sent, failed int
}

func (a *answerTally) Queued(n int) { a.mu.Lock(); a.queued += n; a.mu.Unlock() }
func (a *answerTally) Sent(n int)   { a.mu.Lock(); a.sent += n; a.mu.Unlock() }
func (a *answerTally) Failed(n int) { a.mu.Lock(); a.failed += n; a.mu.Unlock() }

func TestOutboxObserver(t *testing.T) {
	sink, err := memmail.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	sink.Refuse(func(rcpt string) error {
		if rcpt == "gone@example.ru" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	})
	db := queued(t, "gone@example.ru", "a@example.ru", "b@example.ru")
	o := NewOutbox(db, SMTP{Address: sink.Addr, TLS: TLSNone}, quiet())
	obs := &answerTally{}
	o.Observer = obs
	if _, err := o.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if obs.sent != 2 || obs.failed != 1 || obs.queued != 0 {
		t.Errorf("Observer told sent %d, failed %d, queued %d; want 2, 1, 0", obs.sent, obs.failed, obs.queued)
	}
}
