package main

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
)

// TestAuditCommands runs "audit head" and "audit verify" on a store, whole
// and then with an event changed.
func TestAuditCommands(t *testing.T) {
	config, path := offlineConfig(t)
	out, errb, code := run(t, "audit", "head", "-config", config)
	fields := strings.Fields(out)
	if code != 0 || len(fields) != 2 {
		t.Fatalf("audit head: exit %d, %q %q; want COUNT:HASH and the time", code, out, errb)
	}
	head, err := store.ParseHead(fields[0])
	if err != nil || head.Count == 0 {
		t.Fatalf("audit head printed %q: %v", fields[0], err)
	}

	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"whole", nil, exitOK, "whole: the event chain holds", ""},
		{"whole, with its head", []string{"-head", head.String()}, exitOK, "the head " + head.String() + " given is in the chain", ""},
		{"a head never written", []string{"-head", "1:" + strings.Repeat("ab", 32)}, exitFail, "MISMATCH: head 1:",
			"ticketd audit verify: head 1: event 1, the 1st in the chain, has the hash"},
		{"a head past the end", []string{"-head", "99:" + strings.Repeat("ab", 32)}, exitFail, "MISMATCH",
			"head 99: the chain holds only"},
		{"a malformed head", []string{"-head", "12:xyz"}, exitUsage, "", "-head: store: head"},
		{"an argument", []string{"TKT-000001"}, exitUsage, "", "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errb, code := run(t, append([]string{"audit", "verify", "-config", config}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errb, tc.err) {
				t.Errorf("audit verify %v: exit %d, %q %q; want exit %d, %q and %q", tc.args, code, out, errb, tc.code, tc.out, tc.err)
			}
		})
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("DROP TRIGGER events_no_update; UPDATE events SET actor = 'nobody' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	out, errb, code = run(t, "audit", "verify", "-config", config)
	if code != exitFail || !strings.Contains(errb, "ticketd audit verify: event 1: its content does not match its hash") ||
		!strings.Contains(out, "checked before it: 0 events") {
		t.Errorf("audit verify of a changed event: exit %d, %q %q; want exit 1 naming event 1", code, out, errb)
	}
}

// TestAuditNeedsOnlyTheStore runs "audit head" with a configuration of
// [store] alone.
func TestAuditNeedsOnlyTheStore(t *testing.T) {
	_, path := offlineConfig(t)
	config := writeConfig(t, "[store]\npath = \""+path+"\"\n")
	if out, errb, code := run(t, "audit", "head", "-config", config); code != 0 || !strings.Contains(out, ":") {
		t.Errorf("audit head with [store] alone: exit %d, %q %q", code, out, errb)
	}
}

func TestAuditSubcommandUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"audit"}, exitUsage, "ticketd audit: want a subcommand"},
		{[]string{"audit", "rewrite"}, exitUsage, `ticketd audit: unknown subcommand "rewrite"`},
		{[]string{"audit", "-h"}, exitOK, "  verify "},
		{[]string{"audit", "verify", "-h"}, exitOK, "usage: ticketd audit verify [flags]"},
	} {
		_, errb, code := run(t, tc.args...)
		if code != tc.code || !strings.Contains(errb, tc.err) {
			t.Errorf("ticketd %v: exit %d, %q; want exit %d and %q", tc.args, code, errb, tc.code, tc.err)
		}
	}
}
