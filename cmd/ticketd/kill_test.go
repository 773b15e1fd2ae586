package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// buildTicketd compiles the command once for tests that run it as a process.
func buildTicketd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ticketd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func citizenLetter(i int) []byte {
	return []byte(fmt.Sprintf("From: Citizen %03d <citizen%03d@example.ru>\r\n"+
		"To: support@ticketd.test\r\nSubject: Вопрос номер %d\r\n"+
		"Message-ID: <letter-%03d@example.ru>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0300\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"+
		"Подскажите, как получить справку? Номер личного кабинета: %07d.\r\n", i, i, i, i, 1000000+i))
}

// inbound counts the stored letters; the daemon may be writing meanwhile.
func inbound(t *testing.T, path string) int {
	db, err := store.Open(context.Background(), path)
	if err != nil {
		return -1
	}
	defer db.Close()
	c, err := db.Count(context.Background())
	if err != nil {
		return -1
	}
	return c.Inbound
}

// TestKillMidBatch kills the daemon with SIGKILL at random moments while it
// ingests, restarts it, and checks that no letter is lost and no ticket is
// doubled. Acknowledgements may be sent twice only when a kill fell between
// the SMTP server's 250 and the database commit; the test reports how often.
func TestKillMidBatch(t *testing.T) {
	const letters = 200
	s := startServers(t, "batch_size = 10")
	bin := buildTicketd(t)
	for i := 1; i <= letters; i++ {
		s.dovecot.Append(t, "INBOX", citizenLetter(i))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	kills := 0
	for round := 0; round < 6; round++ {
		before := max(inbound(t, s.dbPath), 0)
		if before >= letters {
			break
		}
		cmd := exec.Command(bin, "run", "-config", s.config)
		var logs strings.Builder
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		target := before + 1 + rng.IntN(35)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) && inbound(t, s.dbPath) < target {
			time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
		}
		cmd.Process.Signal(os.Kill)
		cmd.Wait()
		kills++
		t.Logf("round %d: killed at %d stored letters (aimed at %d)", round, inbound(t, s.dbPath), target)
	}
	s.ticketd(t, "run", "-once")

	db, err := store.Open(context.Background(), s.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Inbound != letters || c.Tickets != letters {
		t.Errorf("after %d kills: %d letters in %d tickets, want %d in %d", kills, c.Inbound, c.Tickets, letters, letters)
	}
	if c.Unsent != 0 {
		t.Errorf("after the last run %d acknowledgements are unsent, want 0", c.Unsent)
	}
	msgs := s.mailpit.WaitMessages(t, letters, 60*time.Second)
	got := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			got[to.Address]++
		}
	}
	dups := 0
	for i := 1; i <= letters; i++ {
		n := got[fmt.Sprintf("citizen%03d@example.ru", i)]
		if n == 0 {
			t.Errorf("citizen%03d got no acknowledgement", i)
		}
		dups += max(n-1, 0)
	}
	t.Logf("%d kills, %d letters, %d acknowledgements sent twice (kill between SMTP 250 and commit)", kills, letters, dups)
	if total, unseen := s.dovecot.Count(t, "INBOX"); total != letters || unseen != 0 {
		t.Errorf("INBOX: %d letters, %d unseen; want %d, 0", total, unseen, letters)
	}
}
