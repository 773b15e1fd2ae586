package main

import (
	"context"
	"flag"
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
		db, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		d, err := newDaemon(cfg, db, log)
		if err != nil {
			return err
		}
		if *once {
			return d.Once(ctx)
		}
		log.Info("ticketd started", "imap", cfg.IMAP.Address, "mailbox", cfg.IMAP.Mailbox,
			"smtp", cfg.SMTP.Address, "store", cfg.Store.Path)
		err = d.Run(ctx)
		log.Info("ticketd stopped")
		return err
	}
}
