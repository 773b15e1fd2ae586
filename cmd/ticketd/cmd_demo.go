package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ticketd/ticketd/accounts"
	"github.com/ticketd/ticketd/internal/memmail"
	"github.com/ticketd/ticketd/internal/terminal"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/store"
)

// demoOptions are the demo's flags.
type demoOptions struct {
	letters, dbPath, console string
	verbose, once            bool
}

func demoFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	var o demoOptions
	fs.StringVar(&o.letters, "letters", filepath.Join("testdata", "mail"), "`folder` of .eml letters to seed the mailbox with")
	fs.StringVar(&o.dbPath, "db", "", "SQLite `file` to keep (default: a temporary file, removed afterwards)")
	fs.BoolVar(&o.verbose, "v", false, "show the daemon's log")
	fs.BoolVar(&o.once, "once", false, "read the letters once, print the tickets and the acknowledgements, and exit")
	fs.StringVar(&o.console, "console", Defaults().Console.Address, "`address` to serve the web console on (port 0: any free port)")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		return demo(ctx, e, o)
	}
}

// demo runs ticketd against in-memory mail servers seeded with sample
// letters: it reads them once and prints the tickets, then, unless
// o.once, serves the console and keeps reading the mailbox until ctx
// ends, so that a letter appended there becomes a ticket on the page.
func demo(ctx context.Context, e *env, o demoOptions) error {
	letters, dbPath, verbose := o.letters, o.dbPath, o.verbose
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
	cfg.Console.Address = ""
	var removeApplications func()
	if cfg.Status.File, removeApplications, err = writeDemoApplications(); err != nil {
		return err
	}
	defer removeApplications()
	if !o.once {
		if cfg.Console.Address, err = demoAddress(o.console); err != nil {
			return err
		}
		if cfg.Console.Address != o.console && o.console == Defaults().Console.Address {
			fmt.Fprintf(e.stdout, "(%s is taken: the console takes %s instead; -console ADDRESS chooses)\n\n", o.console, cfg.Console.Address)
		}
	}
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
	printDemoApplications(e.stdout, cfg.Status.File)
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
	printTickets(e.stdout, ts, cfg.Templates.Location)
	got := sink.Deliveries()
	fmt.Fprintf(e.stdout, "\nAnswers sent (%d; automatic mail gets none):\n", len(got))
	for _, dl := range got {
		printDelivery(e.stdout, dl)
	}
	if !o.once {
		return serveDemo(ctx, e, svc, cfg, imapSrv)
	}
	if keep {
		fmt.Fprintf(e.stdout, "\nStored in %s: see a ticket with \"ticketd show %s\" and a config whose store.path is that file.\n",
			dbPath, firstNumber(ts))
	} else {
		fmt.Fprintln(e.stdout, "\nThe database was temporary; run \"ticketd demo -db FILE\" to keep it.")
	}
	return nil
}

// Demo accounts of the console.
const (
	demoOperator = "operator"
	demoAuditor  = "auditor"
)

// serveDemo gives the console a demo operator and auditor with passwords
// made for this run, prints how to sign in, and runs the service until
// ctx ends.
func serveDemo(ctx context.Context, e *env, svc *service, cfg Config, imapSrv *memmail.IMAP) error {
	users := &accounts.Service{Store: svc.db}
	fmt.Fprintf(e.stdout, "\nThe web console: http://%s/\n", cfg.Console.Address)
	for _, u := range []struct {
		name string
		role accounts.Role
	}{{demoOperator, accounts.RoleOperator}, {demoAuditor, accounts.RoleAuditor}} {
		pw := rand.Text()
		_, err := users.Add(ctx, u.name, u.role, pw, "demo")
		if errors.Is(err, store.ErrExists) { // a kept database (-db) from an earlier run
			err = users.SetPassword(ctx, u.name, pw, "demo")
		}
		if ctx.Err() != nil {
			return nil // interrupted before serving
		}
		if err != nil {
			return fmt.Errorf("demo user %s: %w", u.name, err)
		}
		fmt.Fprintf(e.stdout, "  %-8s  user %-8s  password %s\n", u.role, u.name, pw)
	}
	fmt.Fprintf(e.stdout, "\nA letter appended to the mailbox (IMAP %s, user %s, password %s, folder INBOX) becomes a ticket on the page.\n",
		imapSrv.Addr, imapSrv.Username, imapSrv.Password)
	fmt.Fprintln(e.stdout, "Serving until interrupted (Ctrl-C).")
	err := svc.Run(ctx)
	if ctx.Err() != nil {
		return nil // interrupted: the demo's normal end
	}
	return err
}

// demoAddress is where the demo serves the console: address, with a free
// port in place of port 0; when address is the default and another program
// already listens there, any free port on the same host, so that the demo
// runs on a machine where 8080 is taken. An address given with -console is
// kept as given: a taken one is then the console's error.
func demoAddress(address string) (string, error) {
	if address != Defaults().Console.Address {
		return concreteAddress(address)
	}
	ln, err := net.Listen("tcp", address)
	if err == nil {
		ln.Close()
		return address, nil
	}
	host, _, _ := net.SplitHostPort(address)
	return concreteAddress(net.JoinHostPort(host, "0"))
}

// concreteAddress returns address with a free port in place of port 0,
// so that the demo can print where the console is before it listens. The
// port is free when looked at; another program could take it before the
// console listens, which the console then reports.
func concreteAddress(address string) (string, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil || port != "0" {
		return address, nil // validation names the key
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("find a free port for the console: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
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
