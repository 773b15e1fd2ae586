package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ticketd/ticketd/internal/memmail"
	"github.com/ticketd/ticketd/internal/terminal"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/store"
)

func demoFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	letters := fs.String("letters", filepath.Join("testdata", "mail"), "`folder` of .eml letters to seed the mailbox with")
	dbPath := fs.String("db", "", "SQLite `file` to keep (default: a temporary file, removed afterwards)")
	verbose := fs.Bool("v", false, "show the daemon's log")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		return demo(ctx, e, *letters, *dbPath, *verbose)
	}
}

func demo(ctx context.Context, e *env, letters, dbPath string, verbose bool) error {
	files, err := filepath.Glob(filepath.Join(letters, "*.eml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no sample letters in %s (run the demo from the repository root, or pass -letters)", letters)
	}
	sort.Strings(files)
	imapSrv, err := memmail.StartIMAP("support@demo.ticketd.local", "demo")
	if err != nil {
		return err
	}
	defer imapSrv.Close()
	sink, err := memmail.StartSMTP()
	if err != nil {
		return err
	}
	defer sink.Close()
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := imapSrv.Append("INBOX", raw); err != nil {
			return err
		}
	}
	keep := dbPath != ""
	if !keep {
		dir, err := os.MkdirTemp("", "ticketd-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbPath = filepath.Join(dir, "ticketd.db")
	}
	cfg := Defaults()
	cfg.IMAP.Address, cfg.IMAP.TLS = imapSrv.Addr, "none"
	cfg.IMAP.Username, cfg.IMAP.Password = imapSrv.Username, imapSrv.Password
	cfg.SMTP.Address, cfg.SMTP.TLS = sink.Addr, "none"
	cfg.SMTP.From = "Служба поддержки <support@demo.ticketd.local>"
	cfg.Store.Path = dbPath
	if err := cfg.Validate("(demo)", PartAll); err != nil {
		return err
	}

	logOut := io.Discard
	if verbose {
		logOut = e.stderr
	}
	log := newLogger(logOut, cfg.Log)
	fmt.Fprintf(e.stdout, "ticketd demo: %d letters in an in-memory IMAP mailbox (%s), answers to an in-memory SMTP server (%s)\n\n",
		len(files), imapSrv.Addr, sink.Addr)
	svc, err := openService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	db := svc.db
	if err := svc.Once(ctx); err != nil {
		return err
	}
	ts, err := allTickets(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Tickets (%d):\n\n", len(ts))
	printTickets(e.stdout, ts)
	got := sink.Deliveries()
	fmt.Fprintf(e.stdout, "\nAcknowledgements sent (%d; automatic mail gets none):\n", len(got))
	for _, dl := range got {
		printDelivery(e.stdout, dl)
	}
	if keep {
		fmt.Fprintf(e.stdout, "\nStored in %s: see a ticket with \"ticketd show %s\" and a config whose store.path is that file.\n",
			dbPath, firstNumber(ts))
	} else {
		fmt.Fprintln(e.stdout, "\nThe database was temporary; run \"ticketd demo -db FILE\" to keep it.")
	}
	return nil
}

// printDelivery prints a letter the demo's SMTP server received, escaped:
// an acknowledgement quotes the citizen's subject.
func printDelivery(w io.Writer, d memmail.Delivery) {
	l, _ := mailparse.Parse(d.Raw, nil)
	fmt.Fprintf(w, "\n──── to %s ────\n", terminal.EscapeLine(strings.Join(d.To, ", ")))
	if l == nil {
		fmt.Fprintf(w, "%s\n", terminal.Escape(string(d.Raw)))
		return
	}
	fmt.Fprintf(w, "Subject: %s\nDate:    %s\n\n%s", terminal.EscapeLine(l.Subject), l.Date.Format(time.RFC1123Z), terminal.Escape(l.Text))
	if !strings.HasSuffix(l.Text, "\n") {
		fmt.Fprintln(w)
	}
}

func firstNumber(ts []store.Ticket) string {
	if len(ts) == 0 {
		return "TKT-000001"
	}
	return ts[len(ts)-1].Number
}
