package main

import (
	"fmt"
	"net/mail"
	"os"
	"regexp"
	"strings"
	"time"
)

// MailboxConfig is one [[mailbox]] section: a support address read over
// IMAP, whose tickets land in a queue of their own and are answered from
// its address. Keys left out take [imap]'s (address, tls, ca_file and the
// timing keys) or [smtp] from, [templates] dir and [sla]'s.
//
// When any [[mailbox]] section is present, [imap] holds defaults only: its
// username and mailbox are not read as a mailbox of their own. Without
// one, [imap] is the single mailbox, as it has always been, its watermark
// kept under its folder's name ("INBOX").
type MailboxConfig struct {
	Name            string   `toml:"name"` // required, unique: the key of its watermark, tickets, lease and metrics
	Address         string   `toml:"address"`
	TLS             string   `toml:"tls"`
	CAFile          string   `toml:"ca_file"`
	Username        string   `toml:"username"`
	Password        string   `toml:"password"`
	PasswordFile    string   `toml:"password_file"`
	Folder          string   `toml:"folder"`           // default INBOX
	ProcessedFolder string   `toml:"processed_folder"` // "" marks letters \Seen
	From            string   `toml:"from"`             // answers go out from it; default [smtp] from
	Templates       string   `toml:"templates"`        // a templates dir for its acknowledgements; default [templates] dir
	SLANormal       Duration `toml:"sla_normal"`       // default [sla] normal
	SLAPriority     Duration `toml:"sla_priority"`     // default [sla] priority
	Queue           string   `toml:"queue"`            // default name
	OAuthConfig              // auth, oauth_*: default [imap]'s (config_oauth.go)
}

// mailboxName is what a [[mailbox]] name may be: it names a lease, a
// metric label and a store key.
var mailboxName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// mailboxSpec is one mailbox the daemon reads, from [[mailbox]] or the
// single [imap], with everything inherited filled in.
type mailboxSpec struct {
	Key             string // watermark key: the name, or [imap] mailbox
	Address, TLS    string
	Username        string
	Password        string
	Folder          string
	ProcessedFolder string
	From            mail.Address
	TemplatesDir    string
	SLA             SLAConfig // Normal and Priority
	Queue           string
	section         string // "mailbox[2]" or "imap", for errors
	caFile          string
}

// mailboxes are the mailboxes the configuration reads: its [[mailbox]]
// sections, or else [imap]. Only valid after LoadConfig with PartMailbox
// and PartSender.
func (c *Config) mailboxes() []mailboxSpec {
	if len(c.Mailboxes) == 0 {
		return []mailboxSpec{{
			Key: c.IMAP.Mailbox, Address: c.IMAP.Address, TLS: c.IMAP.TLS, Username: c.IMAP.Username, Password: c.IMAP.Password,
			Folder: c.IMAP.Mailbox, ProcessedFolder: c.IMAP.ProcessedMailbox, From: c.SMTP.FromAddress,
			TemplatesDir: c.Templates.Dir, SLA: c.SLA, section: "imap", caFile: c.IMAP.CAFile,
		}}
	}
	out := make([]mailboxSpec, 0, len(c.Mailboxes))
	for i, m := range c.Mailboxes {
		s := mailboxSpec{Key: m.Name, Address: or(m.Address, c.IMAP.Address), TLS: or(m.TLS, c.IMAP.TLS),
			Username: m.Username, Password: m.Password, Folder: or(m.Folder, "INBOX"), ProcessedFolder: m.ProcessedFolder,
			From: c.SMTP.FromAddress, TemplatesDir: or(m.Templates, c.Templates.Dir), SLA: c.SLA, Queue: or(m.Queue, m.Name),
			section: fmt.Sprintf("mailbox[%d]", i+1), caFile: or(m.CAFile, c.IMAP.CAFile)}
		if a, err := mail.ParseAddress(m.From); err == nil {
			s.From = *a
		}
		if m.SLANormal.Duration > 0 {
			s.SLA.Normal = m.SLANormal
		}
		if m.SLAPriority.Duration > 0 {
			s.SLA.Priority = m.SLAPriority
		}
		out = append(out, s)
	}
	return out
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// checkMailboxes validates the [[mailbox]] sections and reads their
// passwords, naming the key of a mistake as mailbox[N].key (N from 1).
func (c *Config) checkMailboxes(path string) error {
	seen := map[string]int{}
	for i, m := range c.Mailboxes {
		key := func(k string) string { return fmt.Sprintf("mailbox[%d].%s", i+1, k) }
		bad := func(k, problem string) error { return &ConfigError{File: path, Key: key(k), Problem: problem} }
		switch {
		case m.Name == "":
			return bad("name", "required: the mailbox's key in the store, logs and metrics")
		case !mailboxName.MatchString(m.Name):
			return bad("name", "want letters, digits, '.', '_' or '-', e.g. \"general\"")
		case seen[m.Name] != 0:
			return bad("name", fmt.Sprintf("%q is also mailbox[%d]'s name", m.Name, seen[m.Name]))
		case !validHostPort(or(m.Address, c.IMAP.Address)):
			return bad("address", "want host:port, e.g. imap.example.org:993 (or set imap.address for every mailbox)")
		case !validTLS(or(m.TLS, c.IMAP.TLS)):
			return bad("tls", `want "none", "starttls" or "tls"`)
		case m.Username == "":
			return bad("username", "required")
		case m.ProcessedFolder != "" && m.ProcessedFolder == or(m.Folder, "INBOX"):
			return bad("processed_folder", "must differ from folder")
		case m.SLANormal.Duration < 0:
			return bad("sla_normal", "want a positive duration")
		case m.SLAPriority.Duration < 0:
			return bad("sla_priority", "want a positive duration")
		}
		if m.From != "" {
			if _, err := mail.ParseAddress(m.From); err != nil {
				return bad("from", `want an address, e.g. "Доступ <access@example.org>"`)
			}
		}
		if m.Templates != "" {
			if st, err := os.Stat(m.Templates); err != nil || !st.IsDir() {
				return bad("templates", "want a directory of templates")
			}
		}
		if _, err := tlsConfig(or(m.CAFile, c.IMAP.CAFile)); err != nil {
			return bad("ca_file", err.Error())
		}
		if m.PasswordFile != "" {
			b, err := os.ReadFile(m.PasswordFile)
			if err != nil {
				return bad("password_file", err.Error())
			}
			c.Mailboxes[i].Password = strings.TrimRight(string(b), "\r\n")
		}
		seen[m.Name] = i + 1
	}
	return nil
}

// LeaseConfig is the part of [daemon] that several daemons sharing one
// store use: how long a lease on a mailbox or a task lasts and how often
// it is renewed (lease_ttl, lease_renew), and how long a claimed letter of
// the outbox is kept from the others (claim_ttl). Tests lower them.
type LeaseConfig struct {
	TTL      Duration `toml:"lease_ttl"`
	Renew    Duration `toml:"lease_renew"`
	ClaimTTL Duration `toml:"claim_ttl"`
}

// checkLeases validates [daemon] lease_ttl, lease_renew and claim_ttl.
func (c *Config) checkLeases(path string) error {
	l := c.Daemon.LeaseConfig
	bad := func(k, problem string) error { return &ConfigError{File: path, Key: "daemon." + k, Problem: problem} }
	switch {
	case l.TTL.Duration < 100*time.Millisecond:
		return bad("lease_ttl", "want at least 100ms")
	case l.Renew.Duration <= 0 || l.Renew.Duration*2 > l.TTL.Duration:
		return bad("lease_renew", "want a positive duration at most half daemon.lease_ttl")
	case l.ClaimTTL.Duration < time.Second:
		return bad("claim_ttl", "want at least 1s")
	}
	return nil
}
