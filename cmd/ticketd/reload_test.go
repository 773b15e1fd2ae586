package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/memmail"
)

// ackTemplate is an override of the acknowledgement, in ASCII so that its
// words read plainly in the letter sent.
func ackTemplate(word string) string {
	return `{{define "subject"}}[{{.Number}}] ` + word + `{{end -}}` + "\nHello, your ticket is {{.Number}}. " + word + "\n"
}

// TestReloadOnHangup checks that SIGHUP puts a changed template in use
// for the next letter, and that a broken one is refused, naming the key,
// with the one in use kept.
func TestReloadOnHangup(t *testing.T) {
	im, err := memmail.StartIMAP("support@ticketd.test", "secret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { im.Close() })
	sink, err := memmail.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	dir := t.TempDir()
	tmplDir := filepath.Join(dir, "templates")
	ack := filepath.Join(tmplDir, "ru", "ack.tmpl")
	os.MkdirAll(filepath.Dir(ack), 0o755)
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(ack, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(ackTemplate("FIRST-WORDING"))
	config := writeConfig(t, fmt.Sprintf(`
[imap]
address = %q
tls = "none"
username = %q
password = %q
[smtp]
address = %q
tls = "none"
from = "Support <support@ticketd.test>"
[store]
path = %q
[templates]
dir = %q
[console]
address = ""
`, im.Addr, im.Username, im.Password, sink.Addr, filepath.Join(dir, "ticketd.db"), tmplDir))
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	svc, err := openService(t.Context(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	svc.reloadOnHangup(ctx, cfg, log)

	n := 0
	// answer files one more letter and returns the acknowledgement sent.
	answer := func() string {
		t.Helper()
		n++
		im.Append("INBOX", []byte(fmt.Sprintf("From: c%d@example.ru\r\nTo: support@ticketd.test\r\nSubject: Vopros\r\n"+
			"Message-ID: <m%d@x>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nКак получить справку?\r\n", n, n)))
		if err := svc.Once(ctx); err != nil {
			t.Fatal(err)
		}
		got := sink.Deliveries()
		if len(got) != n {
			t.Fatalf("%d acknowledgements sent, want %d", len(got), n)
		}
		return string(got[n-1].Raw)
	}
	// hangup sends SIGHUP and waits for the log to say what became of it.
	hangup := func(want string) {
		t.Helper()
		before := strings.Count(logs.String(), want)
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); strings.Count(logs.String(), want) == before; {
			if time.Now().After(deadline) {
				t.Fatalf("no %q logged after SIGHUP; log:\n%s", want, logs)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	if a := answer(); !strings.Contains(a, "FIRST-WORDING") {
		t.Fatalf("first acknowledgement does not use the template:\n%s", a)
	}
	write(ackTemplate("SECOND-WORDING"))
	hangup("reloaded templates and rules")
	if a := answer(); !strings.Contains(a, "SECOND-WORDING") {
		t.Errorf("acknowledgement after SIGHUP does not use the changed template:\n%s", a)
	}
	write(`{{define "subject"}}[{{.Number}}] broken{{end -}}` + "\nHello {{.Number\n")
	hangup("reload refused")
	if !strings.Contains(logs.String(), "templates.dir") {
		t.Errorf("refused reload logged without naming templates.dir:\n%s", logs)
	}
	if a := answer(); !strings.Contains(a, "SECOND-WORDING") {
		t.Errorf("acknowledgement after a refused reload does not keep the template in use:\n%s", a)
	}
}

// TestReloadRulesRefused checks that a broken rules file is refused,
// naming rules.file, and nothing changes.
func TestReloadRulesRefused(t *testing.T) {
	config, _ := memConfig(t, `address = ""`)
	cfg, err := LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := openService(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	in, ack := svc.daemons[0].Current()
	bad := filepath.Join(t.TempDir(), "rules.toml")
	os.WriteFile(bad, []byte("this is = = not toml"), 0o644)
	cfg.Rules.File = bad
	if err := svc.reload(cfg); err == nil || !strings.Contains(err.Error(), "rules.file") {
		t.Errorf("reload with a broken rules file = %v, want an error naming rules.file", err)
	}
	if in2, ack2 := svc.daemons[0].Current(); in2 != in || ack2 != ack {
		t.Error("a refused reload changed the daemon's rules or templates")
	}
	cfg.Rules.File = ""
	if err := svc.reload(cfg); err != nil {
		t.Fatalf("reload = %v", err)
	}
	if in2, ack2 := svc.daemons[0].Current(); in2 == in || ack2 == ack || in2.Policy.Gate != in.Policy.Gate {
		t.Error("reload did not replace the rules and templates, or did not keep the decode gate")
	}
}
