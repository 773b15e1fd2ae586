package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ticketd/ticketd/redact"
)

// Bounds of the live updates.
const (
	pollEvery          = time.Second
	pollBatch          = 500 // changes read per query; more follow at once
	maxSubscribers     = 500 // event streams open at once
	maxUserSubscribers = 20  // of one user: a dozen tabs, not a runaway script
	subscriberBuffer   = 64  // events waiting for a slow stream before it is told to resync
)

// errTooManyStreams refuses an event stream past the bounds.
var errTooManyStreams = errors.New("console: too many event streams")

// change is one change of a ticket, as the store's change feed tells it:
// the ticket's number and its new version.
type change struct {
	Number  string `json:"number"`
	Version int64  `json:"version"`
}

// changeSource reads the store's change feed: the changes after a
// version, in version order, and the latest version.
type changeSource interface {
	changed(ctx context.Context, after int64, limit int) ([]change, error)
	latest(ctx context.Context) (int64, error)
}

// event is one server-sent event.
type event struct {
	name string // ticket, presence, resync
	id   int64  // the version, for Last-Event-ID; 0: none
	data any    // marshalled to JSON
}

// subscriber is one open event stream.
type subscriber struct {
	user   string
	ticket string     // the ticket its page shows; "" for the queue
	events chan event // buffered; a full one drops and sets lost
	lost   atomic.Bool
}

// feed polls the store's change feed once for the whole console, about
// every second, and fans the changes out to the open event streams; it
// also keeps who has which ticket open. Its poller runs only while a
// stream is open.
type feed struct {
	source changeSource // nil: no live updates, only heartbeats
	log    *slog.Logger
	every  time.Duration

	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	running bool
	stopped chan struct{} // closed by shutdown
	stop    sync.Once
}

func newFeed(source changeSource, log *slog.Logger) *feed {
	return &feed{source: source, log: log, every: pollEvery, subs: map[*subscriber]struct{}{}, stopped: make(chan struct{})}
}

// subscribe opens a stream for user, on the page of ticket ("" for the
// queue), telling the others on that ticket. Every change after subscribe
// returns reaches the stream: when no poller runs, one is started from the
// latest version read before returning.
func (f *feed) subscribe(ctx context.Context, user, ticket string) (*subscriber, error) {
	f.mu.Lock()
	if len(f.subs) >= maxSubscribers {
		f.mu.Unlock()
		return nil, errTooManyStreams
	}
	n := 0
	for s := range f.subs {
		if s.user == user {
			n++
		}
	}
	if n >= maxUserSubscribers {
		f.mu.Unlock()
		return nil, errTooManyStreams
	}
	s := &subscriber{user: user, ticket: ticket, events: make(chan event, subscriberBuffer)}
	f.subs[s] = struct{}{}
	start := f.source != nil && !f.running
	f.running = f.running || start
	f.presenceLocked(ticket)
	f.mu.Unlock()
	if start {
		last, err := f.source.latest(ctx)
		go f.poll(last, err)
	}
	return s, nil
}

// unsubscribe closes s's place in the feed.
func (f *feed) unsubscribe(s *subscriber) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.subs, s)
	f.presenceLocked(s.ticket)
}

// viewers returns the names of the users who have ticket open, sorted,
// each once.
func (f *feed) viewers(ticket string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.viewersLocked(ticket)
}

func (f *feed) viewersLocked(ticket string) []string {
	names := []string{}
	for s := range f.subs {
		if s.ticket == ticket && !slices.Contains(names, s.user) {
			names = append(names, s.user)
		}
	}
	slices.Sort(names)
	return names
}

// presence is the data of a presence event.
type presence struct {
	Number  string   `json:"number"`
	Viewers []string `json:"viewers"`
}

// presenceLocked tells the streams on ticket who has it open. f.mu is
// held.
func (f *feed) presenceLocked(ticket string) {
	if ticket == "" {
		return
	}
	e := event{name: "presence", data: presence{Number: ticket, Viewers: f.viewersLocked(ticket)}}
	for s := range f.subs {
		if s.ticket == ticket {
			s.send(e)
		}
	}
}

// send hands e to s without waiting: a stream too slow to keep up loses
// events and is told to resync.
func (s *subscriber) send(e event) {
	select {
	case s.events <- e:
	default:
		s.lost.Store(true)
	}
}

// publish sends e to every stream.
func (f *feed) publish(e event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.subs {
		s.send(e)
	}
}

// shutdown ends every stream; the server is shutting down.
func (f *feed) shutdown() { f.stop.Do(func() { close(f.stopped) }) }

// poll reads the change feed every f.every while streams are open, from
// version last on (or from the latest, when reading last failed with
// err), and publishes each change. It ends when the last stream closes.
func (f *feed) poll(last int64, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			f.log.Error("console feed panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			f.mu.Lock()
			f.running = false
			f.mu.Unlock()
		}
	}()
	failing := err != nil
	if failing {
		f.log.Error("console feed", redact.Err(err))
	}
	tick := time.NewTicker(f.every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-f.stopped:
			f.mu.Lock()
			f.running = false
			f.mu.Unlock()
			return
		}
		f.mu.Lock()
		if len(f.subs) == 0 {
			f.running = false
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		if failing { // the store was unreachable: start from now, the pages resync
			if last, err = f.source.latest(ctx); err != nil {
				continue
			}
			failing = false
			f.publish(event{name: "resync"})
			continue
		}
		for {
			cs, err := f.source.changed(ctx, last, pollBatch)
			if err != nil {
				f.log.Error("console feed", redact.Err(err))
				failing = true
				break
			}
			for _, c := range cs {
				f.publish(event{name: "ticket", id: c.Version, data: c})
				last = max(last, c.Version)
			}
			if len(cs) < pollBatch {
				break
			}
		}
	}
}
