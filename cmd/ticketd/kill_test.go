package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

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
