package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ticketd/ticketd/daemon"
	"github.com/ticketd/ticketd/metrics"
	"github.com/ticketd/ticketd/store"
)

// newMetrics wires the metrics over db: the store's latency, its gauges,
// and the mailboxes' last reads from reads.
func newMetrics(cfg Config, db *store.DB, reads *readTimes, log *slog.Logger) *metrics.Metrics {
	m := metrics.New(metrics.Options{
		Store: db, Reads: reads, Mailboxes: []string{cfg.IMAP.Mailbox},
		Log: log.With("component", "metrics"),
	})
	db.Observe = m.ObserveStore
	reads.next = m
	return m
}

// readTimes is the daemon's Observer that keeps, in memory, when each
// mailbox was last read, and passes everything on to next.
//
// TEMPORARY: it stands in for the store's MailboxesRead (mailbox_state,
// written by the daemon with db.MarkRead), which tells every process when
// a mailbox was read whoever read it; once that lands, /healthz and the
// metrics ask the store and this goes.
type readTimes struct {
	mu   sync.Mutex
	at   map[string]time.Time
	next daemon.Observer // nil: nobody
}

func newReadTimes() *readTimes { return &readTimes{at: map[string]time.Time{}} }

// MailboxesRead returns when each mailbox was last read by this process.
func (r *readTimes) MailboxesRead(context.Context) (map[string]time.Time, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]time.Time, len(r.at))
	for k, v := range r.at {
		out[k] = v
	}
	return out, nil
}

// Read records that mailbox was read at at.
func (r *readTimes) Read(mailbox string, at time.Time) {
	r.mu.Lock()
	r.at[mailbox] = at
	r.mu.Unlock()
	if r.next != nil {
		r.next.Read(mailbox, at)
	}
}

func (r *readTimes) Fetched(mailbox string, n int) {
	if r.next != nil {
		r.next.Fetched(mailbox, n)
	}
}

func (r *readTimes) Filed(mailbox string) {
	if r.next != nil {
		r.next.Filed(mailbox)
	}
}

func (r *readTimes) Refused(mailbox string) {
	if r.next != nil {
		r.next.Refused(mailbox)
	}
}

func (r *readTimes) FetchFailed(mailbox string) {
	if r.next != nil {
		r.next.FetchFailed(mailbox)
	}
}

func (r *readTimes) Queued(n int) {
	if r.next != nil {
		r.next.Queued(n)
	}
}

// serveMetrics serves /metrics alone on address ([metrics] address) until
// ctx ends; with a token, only to requests bearing it.
func serveMetrics(ctx context.Context, address string, h http.Handler, token string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", address)
	if err != nil {
		return fmt.Errorf("metrics (metrics.address): %w", err)
	}
	return serveMetricsOn(ctx, ln, h, token, log)
}

func serveMetricsOn(ctx context.Context, ln net.Listener, h http.Handler, token string, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Protect(h, token))
	srv := &http.Server{
		Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving metrics", "address", ln.Addr().String(), "token", token != "")
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}
