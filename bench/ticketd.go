package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/daemon"
	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/internal/pgtest"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
	"github.com/ticketd/ticketd/triage"
	"golang.org/x/sync/errgroup"
)

// ourAddress is the support mailbox's address in every run.
const ourAddress = "Служба поддержки <support@ticketd.test>"

// lab is the servers and the ticketd binary the measurements share.
type lab struct {
	dir     string // scratch: databases, configurations, logs
	dovecot *mailtest.Dovecot
	mailpit *mailtest.Mailpit
	ticketd string // the built binary
	runs    int    // numbers the databases and logs of successive runs
	// backend is the store the runs use: "sqlite" (or "") for a file in
	// dir, "postgres" for a fresh database of pg.
	backend string
	pg      *pgtest.Cluster // launched by the first PostgreSQL run
}

// buildTicketd compiles cmd/ticketd into dir.
func buildTicketd(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "ticketd")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/ticketd/ticketd/cmd/ticketd").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/ticketd: %w\n%s", err, out)
	}
	return bin, nil
}

// freshDB returns the location of a store no run has used, of the lab's
// backend (a SQLite path, or a PostgreSQL URL), and a function removing
// it. A PostgreSQL database is left to the cluster, which the lab removes
// whole at the end.
func (l *lab) freshDB(ctx context.Context) (string, func(), error) {
	l.runs++
	if l.backend == "postgres" {
		if l.pg == nil {
			pg, err := pgtest.Launch()
			if err != nil {
				return "", nil, fmt.Errorf("start PostgreSQL: %w", err)
			}
			l.pg = pg
		}
		url, err := l.pg.CreateDatabase(ctx)
		return url, func() {}, err
	}
	path := filepath.Join(l.dir, fmt.Sprintf("run%02d.db", l.runs))
	return path, func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
	}, nil
}

// storeLine is the [store] line of a configuration for location.
func storeLine(location string) string {
	if strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://") {
		return fmt.Sprintf("url = %q", location)
	}
	return fmt.Sprintf("path = %q", location)
}

// inProcess is ticketd wired inside the benchmark as cmd/ticketd/wire.go
// wires it from the default configuration, reading mailbox into a fresh
// database.
type inProcess struct {
	path   string // the database file
	db     *store.DB
	daemon *daemon.Daemon
	outbox *replies.Outbox
	remove func()
}

// run runs the daemon and its outbox until ctx ends, as "ticketd run" does.
func (p *inProcess) run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return p.daemon.Run(ctx) })
	g.Go(func() error { return p.outbox.Run(ctx) })
	return g.Wait()
}

func (l *lab) inProcess(ctx context.Context, mailbox string, connections int) (*inProcess, error) {
	path, remove, err := l.freshDB(ctx)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	tmpl, err := templates.Load("", nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	from, err := mail.ParseAddress(ourAddress)
	if err != nil {
		db.Close()
		return nil, err
	}
	// The binary logs a line per letter; format them, as it does, but
	// throw them away.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	outbox := replies.NewOutbox(db, replies.SMTP{Address: l.mailpit.SMTPAddr, TLS: replies.TLSNone}, log)
	outbox.Connections = connections
	d := &daemon.Daemon{
		Mailbox: daemon.Mailbox{
			Address: l.dovecot.Addr, TLS: daemon.TLSNone, Username: l.dovecot.Username, Password: l.dovecot.Password,
			Name: mailbox, Timeout: time.Minute,
		},
		DB:                 db,
		Intake:             &daemon.Intake{Rules: triage.DefaultRules(), Policy: attachments.DefaultPolicy(), Limits: mailparse.DefaultLimits()},
		Ack:                &replies.Acknowledger{Templates: tmpl, From: *from},
		Outbox:             outbox,
		Self:               []string{from.Address},
		PollInterval:       time.Second,
		AutoRepliesPerHour: 5,
		Log:                log,
	}
	return &inProcess{path: path, db: db, daemon: d, outbox: outbox, remove: remove}, nil
}

func (p *inProcess) close() {
	p.db.Close()
	p.remove()
}

// config writes a configuration for the ticketd binary reading mailbox into
// the store at db (a path or a URL), named after the latest run; extra
// lines go into [imap] and [smtp].
func (l *lab) config(mailbox, db string, imapExtra, smtpExtra string) (string, error) {
	pw := filepath.Join(l.dir, "imap.password")
	if err := os.WriteFile(pw, []byte(l.dovecot.Password+"\n"), 0o600); err != nil {
		return "", err
	}
	path := filepath.Join(l.dir, fmt.Sprintf("run%02d.toml", l.runs))
	conf := fmt.Sprintf(`[imap]
address = %q
tls = "none"
username = %q
password_file = %q
mailbox = %q
%s
[smtp]
address = %q
tls = "none"
from = %q
%s
[store]
%s
`, l.dovecot.Addr, l.dovecot.Username, pw, mailbox, imapExtra, l.mailpit.SMTPAddr, ourAddress, smtpExtra, storeLine(db))
	return path, os.WriteFile(path, []byte(conf), 0o600)
}

// process is the ticketd binary running under the launcher (see launchArg).
type process struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
	maxRSS  int64 // KiB, once done
	cpuUS   int64 // CPU time used, µs, once done
}

// start runs the ticketd binary with args, its log in a file beside the
// configuration.
func (l *lab) start(config string, args ...string) (*process, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logPath := strings.TrimSuffix(config, ".toml") + ".log"
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, append([]string{launchArg, l.ticketd}, append(args, "-config", config)...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("start ticketd: %w", err)
	}
	p := &process{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		b, _ := io.ReadAll(r)
		r.Close()
		p.err = cmd.Wait()
		fmt.Sscan(string(b), &p.maxRSS, &p.cpuUS)
		close(p.done)
	}()
	return p, nil
}

// stop sends SIGTERM and waits for the process to exit.
func (p *process) stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("ticketd did not exit within a minute of SIGTERM\n%s", p.tail())
	}
	if p.err != nil {
		return fmt.Errorf("ticketd: %w\n%s", p.err, p.tail())
	}
	return nil
}

// wait waits for the process to exit by itself.
func (p *process) wait(ctx context.Context) error {
	select {
	case <-p.done:
	case <-ctx.Done():
		p.cmd.Process.Kill()
		<-p.done
		return ctx.Err()
	}
	if p.err != nil {
		return fmt.Errorf("ticketd: %w\n%s", p.err, p.tail())
	}
	return nil
}

// peakRSS is the most memory the exited process held, in MiB.
func (p *process) peakRSS() float64 {
	return float64(p.maxRSS) / 1024
}

// cpuSeconds is the CPU time the exited process used, user and system.
func (p *process) cpuSeconds() float64 {
	return float64(p.cpuUS) / 1e6
}

// tail is the end of the process's log, for error messages.
func (p *process) tail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return string(b)
}

// waitMailpit waits until Mailpit holds at least n letters and returns
// when it received the newest. It looks every 100 ms: asking Mailpit more
// often would take CPU from the run being measured, and the time comes from
// Mailpit's own record, not from when the wait noticed.
func (l *lab) waitMailpit(ctx context.Context, n int, timeout time.Duration, exited <-chan struct{}) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		got, newest, err := l.mailpit.Newest()
		if err == nil && got >= n {
			return newest, nil
		}
		select {
		case <-exited:
			return time.Time{}, fmt.Errorf("ticketd exited with %d of %d acknowledgements delivered", got, n)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("%d of %d acknowledgements delivered after %v (last error: %v)", got, n, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lastStored is when the last ticket of db was made.
func lastStored(ctx context.Context, db *store.DB) (time.Time, error) {
	var last time.Time
	f := store.TicketFilter{Limit: store.MaxTicketLimit, NoTotal: true}
	for {
		page, err := db.FindTickets(ctx, f)
		if err != nil {
			return time.Time{}, err
		}
		for _, t := range page.Tickets {
			if t.CreatedAt.After(last) {
				last = t.CreatedAt
			}
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	if last.IsZero() {
		return last, errors.New("no tickets stored")
	}
	return last, nil
}
