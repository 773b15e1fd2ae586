package replies

import (
	"context"
	"log/slog"
	"time"

	"github.com/ticketd/ticketd/internal/backoff"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// recorder writes down, in groups, the letters the server accepted, so
// that senders go on to the next letter instead of each waiting for the
// store's write lock. Whatever queued up while the previous group was
// written makes the next group. A letter accepted but not yet recorded
// when the process dies is sent again on restart, so at most
// MaxUnrecorded letters wait to be recorded: a sender with one more
// waits for the store.
type recorder struct {
	db    sentMarker
	log   *slog.Logger
	in    chan store.Delivery
	slots chan struct{}      // one per letter accepted and not yet recorded
	stop  context.CancelFunc // stops the senders when recording fails
	done  chan struct{}

	recorded int
	err      error
}

// sentMarker records that the server accepted letters: all the recorder
// needs of the Queue.
type sentMarker interface {
	MarkAllSent(ctx context.Context, ds []store.Delivery, at time.Time) error
}

// MaxUnrecorded is the most letters the outbox lets the server accept
// before it has recorded them as sent: the most acknowledgements that can
// go out twice when the process is killed, besides the one letter in
// flight on each connection.
const MaxUnrecorded = 16

func newRecorder(db sentMarker, log *slog.Logger, stop context.CancelFunc) *recorder {
	r := &recorder{
		db: db, log: log, stop: stop, done: make(chan struct{}),
		in:    make(chan store.Delivery, MaxUnrecorded),
		slots: make(chan struct{}, MaxUnrecorded),
	}
	go r.run()
	return r
}

// sent hands over a letter the server accepted, waiting while
// MaxUnrecorded letters are not recorded yet.
func (r *recorder) sent(d store.Delivery) {
	r.slots <- struct{}{}
	r.in <- d
}

// close records what is left and reports how many letters were recorded.
func (r *recorder) close() (int, error) {
	close(r.in)
	<-r.done
	return r.recorded, r.err
}

func (r *recorder) run() {
	defer close(r.done)
	group := make([]store.Delivery, 0, MaxUnrecorded)
	for d := range r.in {
		group = append(group[:0], d)
	more:
		for len(group) < MaxUnrecorded {
			select {
			case d, ok := <-r.in:
				if !ok {
					break more
				}
				group = append(group, d)
			default:
				break more
			}
		}
		err := r.err
		if err == nil {
			err = r.record(group)
		}
		for range group {
			<-r.slots
		}
		if err != nil {
			// The letters stay unrecorded; the senders stop.
			r.err = err
			r.stop()
			continue
		}
		r.recorded += len(group)
		for _, d := range group {
			r.log.Info("sent", "ticket", d.TicketNumber, "message_id", d.MessageID)
		}
	}
}

// record marks a group sent, retrying for up to half a minute while the
// store refuses: sending the letters again would be worse than waiting.
// What the server accepted is recorded even when shutdown has begun.
func (r *recorder) record(group []store.Delivery) error {
	ctx := context.Background()
	for attempt := 0; ; attempt++ {
		err := r.db.MarkAllSent(ctx, group, time.Now())
		if err == nil || attempt == 8 {
			return err
		}
		r.log.Warn("outbox: cannot record sent letters, retrying", "letters", len(group), redact.Err(err))
		time.Sleep(backoff.Delay(attempt, 100*time.Millisecond, 5*time.Second))
	}
}
