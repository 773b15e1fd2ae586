package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
)

// readsOf lists the reads recorded in the store at path.
func readsOf(t *testing.T, path string, f store.ReadFilter) []store.ReadEvent {
	t.Helper()
	d, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rs, err := d.Reads(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestShowRecordsTheRead(t *testing.T) {
	config, db := offlineConfig(t)
	t.Setenv("TICKETD_OPERATOR", "")
	_, errb, code := run(t, "show", "TKT-000001", "-config", config)
	if code != exitUsage || !strings.Contains(errb, "-operator is required") {
		t.Errorf("show without an operator: exit %d, %q; want a usage error asking for -operator", code, errb)
	}
	if rs := readsOf(t, db, store.ReadFilter{}); len(rs) != 0 {
		t.Fatalf("show without an operator recorded %+v", rs)
	}

	out, errb, code := run(t, "show", "tkt-000001", "-operator", "anna", "-config", config)
	if code != exitOK || !strings.Contains(out, "TKT-000001") {
		t.Fatalf("show: exit %d: %s%s", code, out, errb)
	}
	t.Setenv("TICKETD_OPERATOR", "olga")
	if _, errb, code := run(t, "show", "TKT-000001", "-json", "-config", config); code != exitOK {
		t.Fatalf("show with $TICKETD_OPERATOR: exit %d: %s", code, errb)
	}
	rs := readsOf(t, db, store.ReadFilter{})
	if len(rs) != 2 {
		t.Fatalf("two shows recorded %d reads: %+v", len(rs), rs)
	}
	for i, want := range []string{"cli:olga", "cli:anna"} {
		if r := rs[i]; r.Actor != want || r.Action != "read.ticket" || r.Ticket != "TKT-000001" {
			t.Errorf("read %d = %+v, want %s's read.ticket of TKT-000001", i, r, want)
		}
	}
	if _, _, code := run(t, "show", "TKT-000009", "-config", config); code != exitFail {
		t.Errorf("show of a missing ticket: exit %d, want %d", code, exitFail)
	}
	if n := len(readsOf(t, db, store.ReadFilter{})); n != 2 {
		t.Errorf("show of a missing ticket recorded a read (%d reads)", n)
	}
}

// TestShowUnrecordedPrintsNothing makes the store refuse reads (a
// trigger): show then fails and prints none of the ticket.
func TestShowUnrecordedPrintsNothing(t *testing.T) {
	config, db := offlineConfig(t)
	raw, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = raw.Exec(`CREATE TRIGGER refuse_reads BEFORE INSERT ON events WHEN NEW.action LIKE 'read.%'
		BEGIN SELECT RAISE(ABORT, 'reads refused'); END`)
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, errb, code := run(t, "show", "TKT-000001", "-operator", "anna", "-config", config)
	if code != exitFail || !strings.Contains(errb, "record the read of TKT-000001") {
		t.Errorf("show with reads refused: exit %d, %q; want exit %d saying the read was not recorded", code, errb, exitFail)
	}
	if strings.Contains(out, "ivan@example.ru") || strings.Contains(out, "Вопрос") || out != "" {
		t.Errorf("show with reads refused printed %q", out)
	}
}

func TestAuditReadsCommand(t *testing.T) {
	config, db := offlineConfig(t)
	for _, who := range []string{"anna", "olga", "anna"} {
		if _, errb, code := run(t, "show", "TKT-000001", "-operator", who, "-config", config); code != exitOK {
			t.Fatalf("show: %s", errb)
		}
	}
	out, errb, code := run(t, "audit", "reads", "-user", "cli:anna", "-config", config)
	if code != exitOK {
		t.Fatalf("audit reads: exit %d: %s", code, errb)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], "cli:anna") ||
		!strings.Contains(lines[1], "TKT-000001") || !strings.Contains(lines[1], "ticket") || strings.Contains(out, "olga") {
		t.Errorf("audit reads -user cli:anna printed:\n%s", out)
	}

	out, _, _ = run(t, "audit", "reads", "-ticket", "tkt-000001", "-n", "2", "-config", config)
	if !strings.Contains(out, "cli:olga") || !strings.Contains(out, "add -before ") {
		t.Errorf("audit reads -ticket -n 2 printed:\n%s\nwant the two newest reads and how to see older ones", out)
	}
	out, _, _ = run(t, "audit", "reads", "-json", "-config", config)
	var rs []store.ReadEvent
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != 3 || rs[0].Actor != "cli:anna" || rs[2].Actor != "cli:anna" {
		t.Errorf("audit reads -json = %+v, %v\n%s", rs, err, out)
	}
	if n := len(readsOf(t, db, store.ReadFilter{})); n != 3 {
		t.Errorf("listing reads recorded reads: %d, want 3", n)
	}
	if out, _, _ := run(t, "audit", "reads", "-ticket", "TKT-000009", "-config", config); !strings.Contains(out, "no reads recorded") {
		t.Errorf("reads of no such ticket printed %q", out)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"audit"}, exitUsage, "reads"},
		{[]string{"audit", "nope"}, exitUsage, `unknown subcommand "nope"`},
		{[]string{"audit", "-h"}, exitOK, "reads"},
		{[]string{"audit", "reads", "-n", "0", "-config", config}, exitUsage, "-n 0"},
		{[]string{"audit", "reads", "extra", "-config", config}, exitUsage, "unexpected argument"},
		{[]string{"audit", "reads", "-h"}, exitOK, "usage: ticketd audit reads"},
	} {
		_, errb, code := run(t, tc.args...)
		if code != tc.code || !strings.Contains(errb, tc.want) {
			t.Errorf("ticketd %s: exit %d, %q; want exit %d saying %q", strings.Join(tc.args, " "), code, errb, tc.code, tc.want)
		}
	}
	if _, errb, _ := run(t, "help"); !strings.Contains(errb, "audit") {
		t.Errorf("ticketd help does not list audit:\n%s", errb)
	}
}
