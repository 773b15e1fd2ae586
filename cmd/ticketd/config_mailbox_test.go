package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const twoMailboxes = `
[imap]
address = "imap.example.org:993"
poll_interval = "5s"
[smtp]
address = "smtp.example.org:587"
from = "Support <support@example.org>"
[sla]
normal = "24h"

[[mailbox]]
name = "general"
username = "general@example.org"

[[mailbox]]
name = "access"
address = "imap2.example.org:993"
username = "access@example.org"
folder = "Access"
from = "Доступ <access@example.org>"
sla_normal = "8h"
queue = "access-desk"
`

func TestMailboxSections(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, twoMailboxes))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	got := cfg.mailboxes()
	if len(got) != 2 {
		t.Fatalf("mailboxes = %d, want 2", len(got))
	}
	g, a := got[0], got[1]
	tests := []struct{ what, got, want string }{
		{"general key", g.Key, "general"},
		{"general address, from [imap]", g.Address, "imap.example.org:993"},
		{"general folder", g.Folder, "INBOX"},
		{"general from, [smtp]'s", g.From.Address, "support@example.org"},
		{"general queue, its name", g.Queue, "general"},
		{"access address", a.Address, "imap2.example.org:993"},
		{"access folder", a.Folder, "Access"},
		{"access from", a.From.Address, "access@example.org"},
		{"access queue", a.Queue, "access-desk"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.what, tt.got, tt.want)
		}
	}
	if a.SLA.Normal.Duration != 8*time.Hour || g.SLA.Normal.Duration != 24*time.Hour || a.SLA.Priority != cfg.SLA.Priority {
		t.Errorf("SLA normal = general %v, access %v; want 24h, 8h and [sla] priority", g.SLA.Normal, a.SLA.Normal)
	}
}

func TestSingleIMAPKeepsItsKey(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, minimal))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.mailboxes()
	if len(got) != 1 || got[0].Key != "INBOX" || got[0].Folder != "INBOX" || got[0].Queue != "" {
		t.Errorf("mailboxes of [imap] = %+v; want one keyed INBOX as before", got)
	}
}

func TestMailboxErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name, body, key string
	}{
		{"no name", strings.Replace(twoMailboxes, `name = "access"`, "", 1), "mailbox[2].name"},
		{"same name", strings.Replace(twoMailboxes, `name = "access"`, `name = "general"`, 1), "mailbox[2].name"},
		{"bad name", strings.Replace(twoMailboxes, `name = "access"`, `name = "a b"`, 1), "mailbox[2].name"},
		{"no username", strings.Replace(twoMailboxes, `username = "access@example.org"`, "", 1), "mailbox[2].username"},
		{"no address anywhere", strings.Replace(twoMailboxes, `address = "imap.example.org:993"`, "", 1), "mailbox[1].address"},
		{"bad from", strings.Replace(twoMailboxes, `"Доступ <access@example.org>"`, `"nobody"`, 1), "mailbox[2].from"},
		{"same folders", strings.Replace(twoMailboxes, `folder = "Access"`, "folder = \"Access\"\nprocessed_folder = \"Access\"", 1), "mailbox[2].processed_folder"},
		{"missing templates", twoMailboxes + "templates = \"/nonexistent\"\n", "mailbox[2].templates"},
		{"missing password file", twoMailboxes + "password_file = \"/nonexistent\"\n", "mailbox[2].password_file"},
		{"unknown key", twoMailboxes + "colour = \"red\"\n", "mailbox.colour"},
		{"lease renew too slow", strings.Replace(twoMailboxes, "[sla]", "[daemon]\nlease_ttl = \"10s\"\nlease_renew = \"6s\"\n[sla]", 1), "daemon.lease_renew"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tt.body))
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key != tt.key {
				t.Errorf("LoadConfig = %v, want a ConfigError naming %s", err, tt.key)
			}
		})
	}
}
