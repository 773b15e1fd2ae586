package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// importBacklog is a small mbox of a service's old mailbox: a letter, a
// reply of its sender to it, the first letter again, a letter without a
// Message-ID and one with no header at all.
const importBacklog = `From ivan@example.ru Sat Mar  1 09:15:00 2025
From: Ivan Petrov <ivan@example.ru>
To: support@example.org
Subject: =?utf-8?b?0J3QtSDQvNC+0LPRgyDQstC+0LnRgtC4?=
Message-ID: <a1@example.ru>
Date: Sat, 01 Mar 2025 09:14:00 +0300
Content-Type: text/plain; charset=utf-8

I cannot sign in since yesterday.
>From the login page I get "wrong password".

From ivan@example.ru Sun Mar  2 10:00:00 2025
From: Ivan Petrov <ivan@example.ru>
To: support@example.org
Subject: Re: =?utf-8?b?0J3QtSDQvNC+0LPRgyDQstC+0LnRgtC4?=
Message-ID: <a2@example.ru>
In-Reply-To: <a1@example.ru>
Date: Sun, 02 Mar 2025 10:00:00 +0300

Still cannot sign in.

From ivan@example.ru Sat Mar  1 09:15:00 2025
From: Ivan Petrov <ivan@example.ru>
To: support@example.org
Subject: =?utf-8?b?0J3QtSDQvNC+0LPRgyDQstC+0LnRgtC4?=
Message-ID: <a1@example.ru>
Date: Sat, 01 Mar 2025 09:14:00 +0300
Content-Type: text/plain; charset=utf-8

I cannot sign in since yesterday.
>From the login page I get "wrong password".

From olga@example.ru Mon Mar  3 12:00:00 2025
From: olga@example.ru
To: support@example.org
Subject: Question
Date: Mon, 03 Mar 2025 12:00:00 +0300

Where is my application?

From MAILER-DAEMON Tue Mar  4 08:00:00 2025
this is not a header at all
just some bytes a broken client left here
`

// importConfig writes a configuration for the import with a store of its
// own, and the backlog beside it.
func importConfig(t *testing.T) (config, dbPath, mbox string) {
	t.Helper()
	dir := t.TempDir()
	dbPath = filepath.Join(dir, "t.db")
	config = filepath.Join(dir, "ticketd.toml")
	body := "[store]\npath = \"" + dbPath + "\"\n[smtp]\nfrom = \"Support <support@example.org>\"\n"
	if err := os.WriteFile(config, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	mbox = filepath.Join(dir, "old-support.mbox")
	if err := os.WriteFile(mbox, []byte(importBacklog), 0o600); err != nil {
		t.Fatal(err)
	}
	return config, dbPath, mbox
}

// summaryLine is the number a line of the import's summary gives.
func summaryLine(t *testing.T, out, label string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(label) + `:\s+(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("summary has no %q line:\n%s", label, out)
	}
	return m[1]
}

func TestImportCommand(t *testing.T) {
	t.Setenv("TICKETD_OPERATOR", "")
	t.Setenv("USER", "")
	ctx := t.Context()
	config, dbPath, mbox := importConfig(t)

	if _, errb, code := run(t, "import", mbox, "-config", config); code != exitUsage || !strings.Contains(errb, "-operator is required") {
		t.Errorf("import without an operator: exit %d, %q", code, errb)
	}
	out, errb, code := run(t, "import", mbox, "-config", config, "-operator", "anna", "-dry-run")
	if code != 0 || !strings.Contains(out, "dry run: read 5 letters") || !strings.Contains(out, "nothing was stored") {
		t.Errorf("import -dry-run: exit %d\n%s%s", code, out, errb)
	}

	out, errb, code = run(t, "import", mbox, "-config", config, "-operator", "anna", "-mailbox", "general")
	if code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errb)
	}
	for label, want := range map[string]string{"filed as new tickets": "3", "added to existing tickets": "1",
		"duplicates skipped": "1", "not understood (stored)": "1", "failed": "0", "answers queued": "0"} {
		if got := summaryLine(t, out, label); got != want {
			t.Errorf("first import: %s = %s, want %s\n%s", label, got, want, out)
		}
	}
	if !strings.Contains(out, "read 5 letters from mbox old-support.mbox") {
		t.Errorf("summary does not say what was read:\n%s", out)
	}
	if errb != "" {
		t.Errorf("import printed on stderr (not a terminal: no bar): %q", errb)
	}

	out, errb, code = run(t, "import", mbox, "-config", config, "-operator", "anna")
	if code != 0 || summaryLine(t, out, "filed as new tickets") != "0" || summaryLine(t, out, "added to existing tickets") != "0" ||
		summaryLine(t, out, "duplicates skipped") != "5" {
		t.Errorf("second import filed something: exit %d\n%s%s", code, out, errb)
	}

	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Tickets != 3 || c.Inbound != 4 || c.Unsent != 0 || c.Outbound != 0 {
		t.Errorf("store after two imports = %+v; want 3 tickets, 4 letters, nothing queued", c)
	}
	tk, err := db.Ticket(ctx, "TKT-000001")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 3, 1, 6, 14, 0, 0, time.UTC); !tk.CreatedAt.Equal(want) {
		t.Errorf("imported ticket created at %v, want the letter's Date %v", tk.CreatedAt, want)
	}
	if tk.DueAt.Before(time.Now()) || tk.StartedAt.Before(time.Now().Add(-time.Hour)) {
		t.Errorf("imported ticket due %v (clock from %v): want its deadline to run from the import", tk.DueAt, tk.StartedAt)
	}
	events, err := db.Events(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	imported := 0
	for _, e := range events {
		if e.Action == "letter.imported" {
			imported++
			if e.Actor != "operator:anna" || e.Detail != "imported from old-support.mbox into mailbox general, without an answer" {
				t.Errorf("letter.imported = %+v", e)
			}
		}
	}
	if imported != 2 {
		t.Errorf("ticket with a letter and its follow-up has %d letter.imported events, want 2: %+v", imported, events)
	}
	msgs, err := db.Messages(ctx, tk.ID)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("messages of the first ticket = %d, %v; want the letter and its follow-up", len(msgs), err)
	}
	raw, err := db.Raw(ctx, msgs[0].ID)
	if err != nil || !strings.Contains(string(raw), "\nFrom the login page") || strings.Contains(string(raw), ">From") {
		t.Errorf("stored letter is not unquoted from the mbox (%v):\n%s", err, raw)
	}
}

func TestImportAnswer(t *testing.T) {
	ctx := t.Context()
	config, dbPath, mbox := importConfig(t)
	out, errb, code := run(t, "import", mbox, "-config", config, "-operator", "anna", "-answer")
	if code != 0 {
		t.Fatalf("import -answer: exit %d\n%s%s", code, out, errb)
	}
	// The letter, its follow-up and Olga's are acknowledged; the letter
	// with no header has nobody to answer.
	if got := summaryLine(t, out, "answers queued"); got != "3" || !strings.Contains(out, `"ticketd run" sends them`) {
		t.Errorf("import -answer: answers queued = %s, want 3\n%s", got, out)
	}
	if got := summaryLine(t, out, "not answerable"); got != "1" {
		t.Errorf("import -answer: not answerable = %s, want 1\n%s", got, out)
	}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Count(ctx)
	if err != nil || c.Unsent != 3 {
		t.Errorf("outbox after import -answer: %+v, %v; want 3 letters waiting", c, err)
	}
	// Imported again with -answer: nothing is filed, so nothing is answered twice.
	out, _, _ = run(t, "import", mbox, "-config", config, "-operator", "anna", "-answer")
	if got := summaryLine(t, out, "answers queued"); got != "0" {
		t.Errorf("second import -answer queued %s answers, want 0\n%s", got, out)
	}
}

func TestImportBadSource(t *testing.T) {
	config, _, _ := importConfig(t)
	dir := t.TempDir()
	plain := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(plain, []byte("Subject: hello\n\nnot an mbox\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{plain, dir, filepath.Join(dir, "missing.mbox")} {
		_, errb, code := run(t, "import", path, "-config", config, "-operator", "anna")
		if code != exitFail || !strings.Contains(errb, path) {
			t.Errorf("import %s: exit %d, %q; want exit 1 naming the path", path, code, errb)
		}
	}
	if _, errb, code := run(t, "import", "-config", config, "-operator", "anna"); code != exitUsage || !strings.Contains(errb, "want FILE.mbox or MAILDIR") {
		t.Errorf("import without a path: exit %d, %q", code, errb)
	}
}
