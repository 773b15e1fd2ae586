package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// TestPurgeCommand purges a ticket closed five years ago under a
// three-year rule: -dry-run lists it, purge removes it, a second purge
// finds nothing, and "show" says what happened.
func TestPurgeCommand(t *testing.T) {
	t.Setenv("TICKETD_OPERATOR", "")
	t.Setenv("USER", "")
	ctx := t.Context()
	config, path := usersConfig(t, false)
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetClock(func() time.Time { return time.Now().Add(-5 * 365 * day) })
	var numbers []string
	for i, from := range []string{"ivan@example.ru", "olga@example.ru"} {
		raw := "From: " + from + "\r\nSubject: вопрос\r\n\r\nПишу про домофон.\r\n"
		res, err := db.Ingest(ctx, store.Inbound{Raw: []byte(raw), MessageID: from, FromAddress: from, Text: "Пишу про домофон.",
			Ticket:      store.Ticket{Subject: "вопрос", CitizenAddress: from, Category: "other"},
			Attachments: []store.Attachment{{Filename: "скан.pdf", Verdict: store.VerdictAccepted, Data: []byte{byte(i), 1, 2, 3}}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, res.Ticket.Number)
	}
	if err := db.SetStatus(ctx, numbers[0], 0, store.StatusClosed, "operator:anna"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if _, _, code := run(t, "purge", "-config", config); code != exitOK {
		t.Errorf("purge without [retention]: exit %d, want 0", code)
	}
	if out, _, _ := run(t, "purge", "-config", config); !strings.Contains(out, "no [retention] rule") {
		t.Errorf("purge without [retention] says %q", out)
	}
	b, _ := os.ReadFile(config)
	if err := os.WriteFile(config, append(b, "[retention]\nclosed_for = \"1095d\"\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errb, code := run(t, "purge", "-config", config); code != exitUsage || !strings.Contains(errb, "-operator is required") {
		t.Errorf("purge without an operator: exit %d, %q", code, errb)
	}
	out, errb, code := run(t, "purge", "-dry-run", "-config", config)
	wantLine := numbers[0] + "  closed " + time.Now().Add(-5*365*day).In(moscow(t)).Format(time.DateOnly) +
		`  retention.closed_for = "1095d"  would remove 1 letters, 1 files, `
	if code != 0 || !strings.Contains(out, wantLine) || !strings.Contains(out, "would purge 1 tickets: 1 letters, 1 files") ||
		strings.Contains(out, numbers[1]) {
		t.Errorf("purge -dry-run: exit %d\n%s%s\nwant a line %q", code, out, errb, wantLine)
	}
	if shown, _, _ := run(t, "show", numbers[0], "-config", config, "-operator", "olga"); !strings.Contains(shown, "ivan@example.ru") {
		t.Errorf("a dry run removed something:\n%s", shown)
	}
	out, errb, code = run(t, "purge", "-operator", "olga", "-config", config)
	if code != 0 || !strings.Contains(out, numbers[0]+"  closed ") || !strings.Contains(out, "  removed 1 letters, 1 files, ") ||
		!strings.Contains(out, "purged 1 tickets: 1 letters, 1 files") {
		t.Errorf("purge: exit %d\n%s%s", code, out, errb)
	}
	if out, _, code = run(t, "purge", "-operator", "olga", "-config", config); code != 0 || !strings.HasPrefix(out, "purged 0 tickets") {
		t.Errorf("a second purge: exit %d\n%s", code, out)
	}
	shown, errb, code := run(t, "show", numbers[0], "-config", config, "-operator", "olga")
	if code != 0 || !strings.Contains(shown, "CORRESPONDENCE REMOVED on "+time.Now().In(moscow(t)).Format(time.DateOnly)+
		` under the retention rule retention.closed_for = "1095d"`) || strings.Contains(shown, "ivan@example.ru") ||
		!strings.Contains(shown, "removed (") || !strings.Contains(shown, "ticket.purged") || !strings.Contains(shown, "operator:olga") {
		t.Errorf("show of the purged ticket: exit %d\n%s%s", code, shown, errb)
	}
	if shown, _, _ := run(t, "show", numbers[1], "-config", config, "-operator", "olga"); !strings.Contains(shown, "olga@example.ru") {
		t.Errorf("the open ticket lost its correspondence:\n%s", shown)
	}
}
