package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/internal/pgtest"
	"github.com/ticketd/ticketd/store"
)

// fleetStore is a store location the fleet kill test runs on.
type fleetStore struct {
	name     string
	location func(t *testing.T) string // [store] path, or url for PostgreSQL
}

// fleetStores are the backends the fleet kill test runs on: SQLite, one
// file shared by the three processes (its locking allows it), and a
// database of a throwaway PostgreSQL cluster as [store] url.
func fleetStores() []fleetStore {
	return []fleetStore{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "ticketd.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.Start(t).NewDatabase(t) }},
	}
}

// Fleet kill test figures.
const (
	fleetDaemons   = 3
	fleetPerBox    = 300 // letters per mailbox
	fleetRounds    = 4   // appended in this many rounds while the daemons run
	fleetKills     = 20
	fleetKillEvery = 2500 * time.Millisecond // mean time between kills
)

// TestFleetKill runs three "ticketd run" processes on one store and two
// mailboxes, appends 600 letters while killing a random daemon with
// SIGKILL 20 times and starting it again, and checks that every letter
// made exactly one ticket of its mailbox, that every citizen was answered
// from the mailbox's address, that no more answers were doubled than
// daemons killed, and that the mailboxes' leases changed hands.
func TestFleetKill(t *testing.T) {
	if testing.Short() {
		t.Skip("the fleet kill test takes a minute or two")
	}
	for _, fs := range fleetStores() {
		t.Run(fs.name, func(t *testing.T) { fleetKill(t, fs) })
	}
}

func fleetKill(t *testing.T, fs fleetStore) {
	start := time.Now()
	dovecot, mailpit := mailtest.StartDovecot(t), mailtest.StartMailpit(t)
	const accessUser, accessPassword = "access", "access-secret"
	dovecot.AddUser(t, accessUser, accessPassword)
	bin := buildTicketd(t)
	dir := t.TempDir()
	location := fs.location(t)
	config := writeFleetConfig(t, dir, location, dovecot, mailpit.SMTPAddr, accessUser, accessPassword)

	procs := make([]*daemonProcess, fleetDaemons)
	logs := make([]string, fleetDaemons)
	for i := range procs {
		logs[i] = filepath.Join(dir, fmt.Sprintf("daemon%d.log", i))
		procs[i] = startProcess(t, bin, config, logs[i])
	}

	// The letters, appended in rounds while the daemons are killed.
	letters := func(box, round int) [][]byte {
		var out [][]byte
		per := fleetPerBox / fleetRounds
		for i := round * per; i < (round+1)*per; i++ {
			out = append(out, citizenLetter(box*fleetPerBox+i))
		}
		return out
	}
	appended := make(chan struct{})
	go func() {
		defer close(appended)
		for r := range fleetRounds {
			dovecot.AppendMany(t, "INBOX", letters(0, r))
			for _, raw := range letters(1, r) {
				dovecot.AppendAs(t, accessUser, accessPassword, "INBOX", raw)
			}
			time.Sleep(fleetKillEvery * fleetKills / fleetRounds / 2)
		}
	}()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 15))
	for range fleetKills {
		time.Sleep(time.Duration(rng.Int64N(int64(2 * fleetKillEvery))))
		i := rng.IntN(fleetDaemons)
		procs[i].kill()
		time.Sleep(time.Duration(rng.Int64N(int64(500 * time.Millisecond))))
		procs[i] = startProcess(t, bin, config, logs[i])
	}
	<-appended
	t.Logf("%d kills done after %s", fleetKills, time.Since(start).Round(time.Second))

	// Wait until every letter is filed and every citizen answered.
	total := 2 * fleetPerBox
	deadline := time.Now().Add(3 * time.Minute)
	var answered map[string][]mailtest.Message
	for {
		answered = map[string][]mailtest.Message{}
		for _, m := range mailpit.Messages(t) {
			for _, to := range m.To {
				answered[strings.ToLower(to.Address)] = append(answered[strings.ToLower(to.Address)], m)
			}
		}
		if len(answered) >= total || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	for _, p := range procs {
		if _, err := p.terminate(); err != nil {
			t.Errorf("a daemon did not stop cleanly: %v", err)
		}
	}
	elapsed := time.Since(start)

	// Every letter exactly one ticket, of its mailbox.
	tickets := fleetTickets(t, location)
	for i := range total {
		id := fmt.Sprintf("letter-%03d@example.ru", i)
		box := "general"
		if i >= fleetPerBox {
			box = "access"
		}
		switch got := tickets[id]; {
		case len(got) != 1:
			t.Errorf("letter %s made %d tickets, want 1", id, len(got))
		case got[0] != box:
			t.Errorf("letter %s made a ticket of mailbox %q, want %q", id, got[0], box)
		}
	}
	// Every citizen answered, from the mailbox's address; duplicates no
	// more than the kills.
	duplicates := 0
	for i := range total {
		addr := fmt.Sprintf("citizen%03d@example.ru", i)
		got := answered[addr]
		if len(got) == 0 {
			t.Errorf("%s was never answered", addr)
			continue
		}
		duplicates += len(got) - 1
		want := "support@ticketd.test"
		if i >= fleetPerBox {
			want = "access@ticketd.test"
		}
		if from := strings.ToLower(got[0].From.Address); from != want {
			t.Errorf("%s was answered from %s, want %s", addr, from, want)
		}
	}
	if duplicates > fleetKills {
		t.Errorf("%d answers doubled, more than the %d kills", duplicates, fleetKills)
	}
	// Both mailboxes read, and their leases changed hands.
	gained := 0
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "lease gained") && strings.Contains(line, "lease=mailbox:") {
				gained++
			}
		}
	}
	takeovers := gained - 2
	if takeovers < 1 {
		t.Errorf("mailbox leases gained %d times: no takeover after %d kills", gained, fleetKills)
	}
	read := fleetRead(t, location)
	for _, box := range []string{"general", "access"} {
		if read[box].IsZero() {
			t.Errorf("mailbox %s was never recorded read (MailboxesRead = %v)", box, read)
		}
	}
	t.Logf("%s: %d letters, %d kills, %d answers doubled, %d lease takeovers, %s",
		fs.name, total, fleetKills, duplicates, takeovers, elapsed.Round(time.Second))
}

// writeFleetConfig writes the configuration the fleet's daemons share: two
// [[mailbox]] sections on one Dovecot, short leases and claims.
func writeFleetConfig(t *testing.T, dir, location string, dovecot *mailtest.Dovecot, smtp, accessUser, accessPassword string) string {
	t.Helper()
	pw := func(name, password string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	conf := fmt.Sprintf(`
[imap]
address = %q
tls = "none"
poll_interval = "1s"

[smtp]
address = %q
tls = "none"
from = "Служба поддержки <support@ticketd.test>"

[daemon]
lease_ttl = "3s"
lease_renew = "1s"
claim_ttl = "30s"
shutdown_grace = "5s"

[console]
address = ""

[store]
%s = %q

[[mailbox]]
name = "general"
username = %q
password_file = %q

[[mailbox]]
name = "access"
username = %q
password_file = %q
from = "Доступ <access@ticketd.test>"
`, dovecot.Addr, smtp, storeKey(location), location, dovecot.Username, pw("general.pw", dovecot.Password),
		accessUser, pw("access.pw", accessPassword))
	p := filepath.Join(dir, "ticketd.toml")
	if err := os.WriteFile(p, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fleetTickets maps each inbound letter's Message-ID to the mailboxes of
// the tickets it is filed in.
func fleetTickets(t *testing.T, location string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, location)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]string{}
	f := store.TicketFilter{Limit: store.MaxTicketLimit, NoTotal: true}
	for {
		page, err := db.FindTickets(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page.Tickets {
			msgs, err := db.Messages(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if m.Direction == store.DirectionIn {
					out[m.MessageID] = append(out[m.MessageID], tk.Mailbox)
				}
			}
		}
		if page.Next == "" {
			return out
		}
		f.After = page.Next
	}
}

// fleetRead is when each mailbox was last read, as the store records it.
func fleetRead(t *testing.T, location string) map[string]time.Time {
	t.Helper()
	db, err := store.Open(context.Background(), location)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	read, err := db.MailboxesRead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return read
}

// storeKey is the [store] key that names location: url for PostgreSQL,
// path for a SQLite file.
func storeKey(location string) string {
	if strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://") {
		return "url"
	}
	return "path"
}
