package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ticketd/ticketd/internal/mailtest"
)

// The fleet: several "ticketd run" processes sharing one store and three
// mailboxes (three Dovecot users), each process configured with all three
// [[mailbox]] sections. A mailbox is read by whichever process holds its
// lease; every process sends from the shared outbox.

// fleetMailboxes is how many mailboxes (Dovecot users) the fleet reads.
const fleetMailboxes = 3

// Fleet is the daemon-scaling figures.
type Fleet struct {
	Mailboxes  int            `json:"mailboxes"`
	PerMailbox int            `json:"letters_per_mailbox"`
	LeaseTTL   string         `json:"lease_ttl"`
	LeaseRenew string         `json:"lease_renew"`
	Runs       []FleetRun     `json:"runs"`
	Speedup    []FleetSpeedup `json:"speedup"`
}

// FleetRun is one store backend and one number of daemons.
type FleetRun struct {
	Backend string `json:"backend"`
	Daemons int    `json:"daemons"`
	// Split is false when every daemon is configured with all three
	// mailboxes and the leases decide who reads which (how ticketd is
	// run), true when daemon i is configured with only mailboxes j with
	// j mod Daemons = i: the spread an even balance would give, an upper
	// bound of the scaling.
	Split   bool    `json:"split"`
	Letters int     `json:"letters"`
	Seconds float64 `json:"seconds"` // from start until Mailpit held every acknowledgement
	// IngestDoneS is when the last ticket was stored.
	IngestDoneS float64 `json:"ingest_done_s"`
	LettersPerS float64 `json:"letters_per_s"`
	// Spread is how many mailboxes each process gained a lease on
	// during the run (from its log), by process.
	Spread [][]string `json:"spread"`
	// CPU used during the run: the ticketd processes (user+sys, from
	// rusage), the PostgreSQL server (all its processes, from /proc) and
	// Mailpit.
	TicketdCPUS  float64 `json:"ticketd_cpu_s"`
	PostgresCPUS float64 `json:"postgres_cpu_s,omitempty"`
	MailpitCPUS  float64 `json:"mailpit_cpu_s,omitempty"`
	LoadAfter    string  `json:"loadavg_after"`
}

// FleetSpeedup is a run's rate over the one-daemon run's rate on the same
// backend; Efficiency is Speedup / Daemons (1 is linear).
type FleetSpeedup struct {
	Backend    string  `json:"backend"`
	Daemons    int     `json:"daemons"`
	Split      bool    `json:"split"`
	Speedup    float64 `json:"speedup"`
	Efficiency float64 `json:"efficiency"`
}

// fleetUser is one mailbox of the fleet: a Dovecot user's INBOX.
type fleetUser struct{ name, password string }

// fleet measures daemon scaling: per-mailbox letters in each of three
// mailboxes, read into a fresh store of each backend by each number of
// daemons in counts.
func (l *lab) fleet(ctx context.Context, out io.Writer, gen *generator, perBox int, backends []string, counts []int, ttl, renew time.Duration) (*Fleet, error) {
	users := make([]fleetUser, fleetMailboxes)
	for i := range users {
		users[i] = fleetUser{fmt.Sprintf("fleet%d", i+1), fmt.Sprintf("fleet-secret-%d", i+1)}
		if err := addUser(l.dovecot, users[i].name, users[i].password); err != nil {
			return nil, err
		}
		raws := make([][]byte, perBox)
		for j := range raws {
			raws[j], _ = gen.small(2_000_000 + 100_000*i + j) // senders of their own
		}
		if err := appendAs(l.dovecot, users[i], "INBOX", raws); err != nil {
			return nil, err
		}
	}
	res := &Fleet{Mailboxes: fleetMailboxes, PerMailbox: perBox, LeaseTTL: ttl.String(), LeaseRenew: renew.String()}
	fmt.Fprintf(out, "fleet: %d mailboxes of %d small letters, one store, lease_ttl %v, lease_renew %v\n", fleetMailboxes, perBox, ttl, renew)
	for _, b := range backends {
		var one float64
		for _, split := range []bool{false, true} {
			for _, k := range counts {
				if split && k == 1 {
					continue // the same as unsplit
				}
				r, err := l.fleetRun(ctx, b, users, perBox, k, split, ttl, renew)
				if err != nil {
					return nil, fmt.Errorf("fleet, %s, %d daemons: %w", b, k, err)
				}
				res.Runs = append(res.Runs, r)
				if k == 1 {
					one = r.LettersPerS
				}
				sp := ""
				if one > 0 {
					s := FleetSpeedup{Backend: b, Daemons: k, Split: split, Speedup: r.LettersPerS / one}
					s.Efficiency = s.Speedup / float64(k)
					res.Speedup = append(res.Speedup, s)
					sp = fmt.Sprintf(", speedup %.2f (%.0f%% of linear)", s.Speedup, 100*s.Efficiency)
				}
				pg := ""
				if r.PostgresCPUS > 0 {
					pg = fmt.Sprintf(", postgres %.1f s", r.PostgresCPUS)
				}
				how := "shared"
				if split {
					how = "split"
				}
				fmt.Fprintf(out, "  %-8s %d daemon(s), %-6s %7.2f s, %5.0f letters/s%s; mailboxes by process %v; CPU: ticketd %.1f s%s, Mailpit %.1f s; load %s\n",
					b, k, how, r.Seconds, r.LettersPerS, sp, r.Spread, r.TicketdCPUS, pg, r.MailpitCPUS, r.LoadAfter)
			}
		}
	}
	return res, nil
}

// fleetRun starts k daemons on a fresh store of backend and waits until
// Mailpit holds an acknowledgement of every letter.
func (l *lab) fleetRun(ctx context.Context, backend string, users []fleetUser, perBox, k int, split bool, ttl, renew time.Duration) (FleetRun, error) {
	r := FleetRun{Backend: backend, Daemons: k, Split: split, Letters: perBox * len(users)}
	prev := l.backend
	l.backend = backend
	db, remove, err := l.freshDB(ctx)
	l.backend = prev
	if err != nil {
		return r, err
	}
	defer remove()
	if err := l.mailpit.DeleteAll(); err != nil {
		return r, err
	}
	configs, err := l.fleetConfigs(db, users, k, split, ttl, renew)
	if err != nil {
		return r, err
	}
	pgBefore := l.postgresCPU(db)
	mpBefore := l.mailpitCPU()
	start := time.Now()
	procs := make([]*process, 0, k)
	stopAll := func() error {
		var first error
		for _, p := range procs {
			if err := p.stop(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	for _, c := range configs {
		p, err := l.start(c, "run")
		if err != nil {
			stopAll()
			return r, err
		}
		procs = append(procs, p)
	}
	acked, err := l.waitMailpit(ctx, r.Letters, 10*time.Minute, procs[0].done)
	if err != nil {
		stopAll()
		return r, fmt.Errorf("%w\n%s", err, procs[0].tail())
	}
	r.Seconds = acked.Sub(start).Seconds()
	r.LettersPerS = float64(r.Letters) / r.Seconds
	r.PostgresCPUS = (l.postgresCPU(db) - pgBefore).Seconds()
	r.MailpitCPUS = (l.mailpitCPU() - mpBefore).Seconds()
	r.LoadAfter = loadAverage()
	if err := stopAll(); err != nil {
		return r, err
	}
	for _, p := range procs {
		r.TicketdCPUS += p.cpuSeconds()
		r.Spread = append(r.Spread, gainedMailboxes(p.logPath))
	}
	st, err := openStore(ctx, db)
	if err != nil {
		return r, err
	}
	defer st.Close()
	last, err := lastStored(ctx, st)
	if err != nil {
		return r, err
	}
	r.IngestDoneS = last.Sub(start).Seconds()
	return r, nil
}

// fleetConfigs writes one configuration per daemon (a file each, so that
// each has a log of its own) reading the users' INBOXes as [[mailbox]]
// sections into the store at db: all of them, or with split daemon i's
// share only (see FleetRun.Split).
func (l *lab) fleetConfigs(db string, users []fleetUser, k int, split bool, ttl, renew time.Duration) ([]string, error) {
	var head strings.Builder
	fmt.Fprintf(&head, `[imap]
address = %q
tls = "none"
poll_interval = "1s"

[smtp]
address = %q
tls = "none"
from = %q

[daemon]
lease_ttl = %q
lease_renew = %q

[console]
address = ""

[store]
%s
`, l.dovecot.Addr, l.mailpit.SMTPAddr, ourAddress, ttl.String(), renew.String(), storeLine(db))
	var paths []string
	for i := range k {
		b := head.String()
		for j, u := range users {
			if split && j%k != i {
				continue
			}
			pw := filepath.Join(l.dir, u.name+".password")
			if err := os.WriteFile(pw, []byte(u.password+"\n"), 0o600); err != nil {
				return nil, err
			}
			b += fmt.Sprintf("\n[[mailbox]]\nname = %q\nusername = %q\npassword_file = %q\n", u.name, u.name, pw)
		}
		p := filepath.Join(l.dir, fmt.Sprintf("run%02d-daemon%d.toml", l.runs, i+1))
		if err := os.WriteFile(p, []byte(b), 0o600); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// gainedMailboxes are the mailboxes whose lease the process logged gaining,
// sorted, from the "lease gained" lines of its log.
func gainedMailboxes(logPath string) []string {
	f, err := os.Open(logPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "lease gained") {
			continue
		}
		_, rest, ok := strings.Cut(line, "mailbox:")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, " ")
		seen[strings.Trim(name, `"`)] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// appendAs stores raws in mailbox of user u, over one connection.
func appendAs(d *mailtest.Dovecot, u fleetUser, mailbox string, raws [][]byte) error {
	c, err := d.Login(u.name, u.password)
	if err != nil {
		return fmt.Errorf("log in as %s: %w", u.name, err)
	}
	defer c.Close()
	for _, raw := range raws {
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			cmd.Close()
			return fmt.Errorf("append as %s: %w", u.name, err)
		}
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("append as %s: %w", u.name, err)
		}
		if _, err := cmd.Wait(); err != nil {
			return fmt.Errorf("append as %s: %w", u.name, err)
		}
	}
	return nil
}

// addUser is mailtest's AddUser outside a test: its failure comes back as
// an error.
func addUser(d *mailtest.Dovecot, name, password string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(tbFailure)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("add Dovecot user %s: %s", name, string(f))
		}
	}()
	d.AddUser(programTB{}, name, password)
	return nil
}

// programTB is a mailtest.TB for a program: Fatal and Skip panic with a
// tbFailure, which addUser recovers.
type programTB struct{}

type tbFailure string

func (programTB) Helper()                           {}
func (programTB) Cleanup(func())                    {}
func (programTB) Logf(string, ...any)               {}
func (programTB) Errorf(format string, args ...any) { panic(tbFailure(fmt.Sprintf(format, args...))) }
func (programTB) Fatal(args ...any)                 { panic(tbFailure(fmt.Sprint(args...))) }
func (programTB) Fatalf(format string, args ...any) { panic(tbFailure(fmt.Sprintf(format, args...))) }
func (programTB) Skip(args ...any)                  { panic(tbFailure(fmt.Sprint(args...))) }
