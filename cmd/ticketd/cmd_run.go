package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/ticketd/ticketd/redact"
)

func runFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	once := fs.Bool("once", false, "read the mailbox once, send what is queued, and exit")
	jsonLog := fs.Bool("log-json", false, "log JSON lines instead of text (overrides log.format)")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		cfg, err := LoadConfig(*config)
		if err != nil {
			return err
		}
		if *jsonLog {
			cfg.Log.Format = "json"
		}
		log := newLogger(e.stderr, cfg.Log)
		svc, err := openService(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer svc.Close()
		if *once {
			return masked(svc.Once(ctx))
		}
		log.Info("ticketd started", "imap", cfg.IMAP.Address, "mailbox", cfg.IMAP.Mailbox,
			"smtp", cfg.SMTP.Address, "store", cfg.Store.Shown(), "console", cfg.Console.Address)
		if err := svc.db.CheckSearchIndex(ctx); err != nil {
			// Mail is filed all the same; only searches wait for it.
			log.Warn("search is unavailable until the index is rebuilt: run \"ticketd reindex\"", redact.Err(err))
		}
		svc.reloadOnHangup(ctx, cfg, log)
		err = runWithGrace(ctx, svc.Run, cfg.Daemon.ShutdownGrace.Duration)
		log.Info("ticketd stopped", redact.Err(err))
		return masked(err)
	}
}

// runWithGrace runs f until ctx ends, then gives it grace to finish the
// letter in hand. A letter not finished by then was never committed: it
// stays unread on the server and is read at the next start.
func runWithGrace(ctx context.Context, f func(context.Context) error, grace time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("shutdown: the letter in hand was not finished within daemon.shutdown_grace (%s); it stays unread and is read at the next start", grace)
	}
}

// maskedError is an error of the running daemon as "ticketd run" prints it
// when it ends: its text with the personal data it quotes masked
// (redact.Text), like every log line, and its chain kept for errors.Is.
type maskedError struct{ err error }

func (e maskedError) Error() string { return redact.Text(e.err.Error()) }
func (e maskedError) Unwrap() error { return e.err }

// masked is err as a maskedError; nil stays nil.
func masked(err error) error {
	if err == nil {
		return nil
	}
	return maskedError{err}
}
