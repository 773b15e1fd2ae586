package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/ticketd/ticketd/store"
)

// keysFlags is "ticketd keys rotate|seal-existing": the store's master key
// (store.key_file) and the rows stored before it was set. Both may run
// while "ticketd run" runs: a rotation changes no row the daemon reads,
// and seal-existing writes in short transactions.
func keysFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	operator := fs.String("operator", defaultOperator(), "operator `name` recorded in the event log")
	batch := fs.Int("batch", 200, "seal-existing: the most `rows` sealed in one transaction (also at most 16 MiB of letters)")
	vacuum := fs.Bool("vacuum", false, "seal-existing: then rewrite the database file (VACUUM), so that no fragment "+
		"of the rows stored before the key stays in its free space; stop ticketd run first")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 1, "a subcommand: rotate or seal-existing"); err != nil {
			return err
		}
		sub := args[0]
		if sub != "rotate" && sub != "seal-existing" {
			return usageError{fmt.Sprintf("unknown subcommand %q; want rotate or seal-existing", sub)}
		}
		if sub != "seal-existing" && *vacuum {
			return usageError{"-vacuum is for keys seal-existing only"}
		}
		if *batch < 1 {
			return usageError{"-batch: want at least 1 row"}
		}
		if err := needOperator(*operator, ""); err != nil {
			return err
		}
		cfg, err := LoadConfig(*config, PartStore)
		if err != nil {
			return err
		}
		if cfg.Store.KeyFile == "" {
			return &ConfigError{File: *config, Key: "store.key_file",
				Problem: "not set: \"ticketd keygen\" prints a key; write it to a file readable by ticketd only, and name the file here"}
		}
		db, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		k := keysCommand{env: e, db: db, actor: "cli:" + *operator}
		if sub == "rotate" {
			return k.rotate(ctx, cfg.Store.KeyFile)
		}
		return k.sealExisting(ctx, *batch, *vacuum)
	}
}

// keysCommand runs the keys subcommands.
type keysCommand struct {
	env   *env
	db    *store.DB
	actor string
}

// rotate replaces the key file with a new master key.
func (k keysCommand) rotate(ctx context.Context, keyFile string) error {
	r, err := k.db.RotateKeyFile(ctx, keyFile, k.actor)
	if err != nil {
		return err
	}
	fmt.Fprintf(k.env.stdout, "store.key_file %s holds a new master key; the data key is wrapped with it.\n", keyFile)
	fmt.Fprintf(k.env.stdout, "old fingerprint: %s\nnew fingerprint: %s\n", r.Old, r.New)
	fmt.Fprintln(k.env.stdout, "Copy the new key file wherever the old one was kept (backups, other hosts of this store): the old key no longer opens the store.")
	return nil
}

// sealExisting seals the rows still plain, with a progress bar.
func (k keysCommand) sealExisting(ctx context.Context, batch int, vacuum bool) error {
	start := time.Now()
	p := newProgress(k.env, "sealing", "rows", start)
	res, err := k.db.SealExisting(ctx, store.SealOptions{Actor: k.actor, BatchRows: batch, Progress: func(sp store.SealProgress) {
		p.show(int64(sp.Done), int64(sp.Total), ", "+mebibytes(sp.Sealed.Bytes)+" of letters and files")
	}})
	p.done()
	out := k.env.stdout
	fmt.Fprintf(out, "sealed %s in %s\n", res.SealCounts, time.Since(start).Round(time.Millisecond))
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(out, "stopped: what was sealed stays sealed; run \"ticketd keys seal-existing\" again to seal the rest")
	}
	if err != nil {
		return err
	}
	if !res.LogEmptied {
		fmt.Fprintln(out, "the write-ahead log could not be emptied while the store was being read: it is when ticketd stops")
	}
	if vacuum {
		vstart := time.Now()
		fmt.Fprintln(out, "rewriting the database file (VACUUM)…")
		if err := k.db.Vacuum(ctx); err != nil {
			return err
		}
		fmt.Fprintf(out, "database file rewritten in %s\n", time.Since(vstart).Round(time.Millisecond))
	} else if res.SealCounts != (store.SealCounts{}) {
		fmt.Fprintln(out, "fragments of rows stored before the key may remain in the database file's free space until it is "+
			"rewritten: \"ticketd keys seal-existing -vacuum\", with ticketd stopped, does that")
	}
	if err := k.db.CheckSearchIndex(ctx); err != nil {
		fmt.Fprintf(out, "search: %v\n", err)
	}
	return nil
}
