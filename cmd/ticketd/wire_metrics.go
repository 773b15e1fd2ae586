package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ticketd/ticketd/metrics"
	"github.com/ticketd/ticketd/store"
)

// newMetrics wires the metrics over db: the store's latency, its gauges,
// and when each configured mailbox was last read, whichever process read
// it (store.DB.MailboxesRead).
func newMetrics(cfg Config, db *store.DB, log *slog.Logger) *metrics.Metrics {
	m := metrics.New(metrics.Options{
		Store: db, Reads: db, Mailboxes: mailboxKeys(cfg),
		Log: log.With("component", "metrics"),
	})
	db.Observe = m.ObserveStore
	return m
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
