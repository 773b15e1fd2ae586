package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ticketd/ticketd/attachments"
)

// maxDecodeMB is the largest attachments.max_decode_mb: 64 GiB, more than
// one image should ever be let take.
const maxDecodeMB = 64 << 10

// Config is ticketd's configuration, decoded from TOML and validated.
type Config struct {
	IMAP        IMAPConfig        `toml:"imap"`
	SMTP        SMTPConfig        `toml:"smtp"`
	Store       StoreConfig       `toml:"store"`
	SLA         SLAConfig         `toml:"sla"`
	Templates   TemplatesConfig   `toml:"templates"`
	Rules       RulesConfig       `toml:"rules"`
	Attachments AttachmentsConfig `toml:"attachments"`
	Replies     RepliesConfig     `toml:"replies"`
	Daemon      DaemonConfig      `toml:"daemon"`
	Log         LogConfig         `toml:"log"`
}

// IMAPConfig is the [imap] section: the support mailbox.
type IMAPConfig struct {
	Address          string   `toml:"address"`
	TLS              string   `toml:"tls"`
	CAFile           string   `toml:"ca_file"`
	Username         string   `toml:"username"`
	Password         string   `toml:"password"`
	PasswordFile     string   `toml:"password_file"`
	Mailbox          string   `toml:"mailbox"`
	ProcessedMailbox string   `toml:"processed_mailbox"`
	PollInterval     Duration `toml:"poll_interval"`
	Idle             bool     `toml:"idle"`
	IdleTimeout      Duration `toml:"idle_timeout"`
	Timeout          Duration `toml:"timeout"`
	MaxMessageMB     float64  `toml:"max_message_mb"`
	BatchSize        int      `toml:"batch_size"`
}

// SMTPConfig is the [smtp] section: the outgoing server and our address.
type SMTPConfig struct {
	Address      string   `toml:"address"`
	TLS          string   `toml:"tls"`
	CAFile       string   `toml:"ca_file"`
	Username     string   `toml:"username"`
	Password     string   `toml:"password"`
	PasswordFile string   `toml:"password_file"`
	From         string   `toml:"from"`
	Timeout      Duration `toml:"timeout"`
	Connections  int      `toml:"connections"`
}

// StoreConfig is the [store] section.
type StoreConfig struct {
	Path    string `toml:"path"`
	KeyFile string `toml:"key_file"`
}

// SLAConfig is the [sla] section: answer deadlines.
type SLAConfig struct {
	Normal   Duration `toml:"normal"`
	Priority Duration `toml:"priority"`
}

// TemplatesConfig is the [templates] section.
type TemplatesConfig struct {
	Dir      string `toml:"dir"`
	Timezone string `toml:"timezone"`
}

// RulesConfig is the [rules] section.
type RulesConfig struct {
	File string `toml:"file"`
}

// AttachmentsConfig is the [attachments] section.
type AttachmentsConfig struct {
	MaxSizeMB   float64  `toml:"max_size_mb"`
	Allowed     []string `toml:"allowed"`
	MaxDecodeMB int      `toml:"max_decode_mb"` // attachments.Policy.MaxDecodeBytes in MiB
}

// RepliesConfig is the [replies] section: limits on automatic answers.
type RepliesConfig struct {
	AutoPerHour int `toml:"auto_per_hour"`
}

// DaemonConfig is the [daemon] section.
type DaemonConfig struct {
	ShutdownGrace Duration `toml:"shutdown_grace"`
	MemoryLimitMB int      `toml:"memory_limit_mb"`
}

// LogConfig is the [log] section.
type LogConfig struct {
	Format string `toml:"format"`
	Level  string `toml:"level"`
}

// Duration is a time.Duration written as "30s" or "24h" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 30s or 24h", b)
	}
	d.Duration = v
	return nil
}

// Defaults returns the configuration used where the file is silent.
func Defaults() Config {
	return Config{
		IMAP: IMAPConfig{TLS: "tls", Mailbox: "INBOX", PollInterval: Duration{30 * time.Second},
			Idle: true, IdleTimeout: Duration{25 * time.Minute},
			Timeout: Duration{time.Minute}, MaxMessageMB: 30, BatchSize: 50},
		SMTP:        SMTPConfig{TLS: "starttls", Timeout: Duration{30 * time.Second}, Connections: 4},
		Store:       StoreConfig{Path: "ticketd.db"},
		SLA:         SLAConfig{Normal: Duration{24 * time.Hour}, Priority: Duration{12 * time.Hour}},
		Templates:   TemplatesConfig{Timezone: "Europe/Moscow"},
		Attachments: AttachmentsConfig{MaxSizeMB: 5, Allowed: []string{"image/jpeg", "image/png", "application/pdf"}, MaxDecodeMB: attachments.DefaultMaxDecodeBytes >> 20},
		Replies:     RepliesConfig{AutoPerHour: 5},
		Daemon:      DaemonConfig{ShutdownGrace: Duration{30 * time.Second}, MemoryLimitMB: 64},
		Log:         LogConfig{Format: "text", Level: "info"},
	}
}

// ConfigError is a configuration mistake, naming the key.
type ConfigError struct {
	File, Key, Problem string
}

func (e *ConfigError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("config %s: %s", e.File, e.Problem)
	}
	return fmt.Sprintf("config %s: %s: %s", e.File, e.Key, e.Problem)
}

// LoadConfig reads path over Defaults, takes secrets from the environment or
// password files, and validates the result.
func LoadConfig(path string) (Config, error) {
	cfg := Defaults()
	md, err := toml.DecodeFile(path, &cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return cfg, &ConfigError{File: path, Key: pe.LastKey,
				Problem: fmt.Sprintf("line %d: %s", pe.Position.Line, strings.TrimSpace(pe.Message))}
		}
		return cfg, &ConfigError{File: path, Problem: err.Error()}
	}
	if und := md.Undecoded(); len(und) > 0 {
		return cfg, &ConfigError{File: path, Key: und[0].String(), Problem: "unknown key"}
	}
	if err := cfg.secrets(path); err != nil {
		return cfg, err
	}
	return cfg, cfg.validate(path)
}

func (c *Config) secrets(path string) error {
	read := func(key, file string, into *string) error {
		if file == "" {
			return nil
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return &ConfigError{File: path, Key: key, Problem: err.Error()}
		}
		*into = strings.TrimRight(string(b), "\r\n")
		return nil
	}
	if err := read("imap.password_file", c.IMAP.PasswordFile, &c.IMAP.Password); err != nil {
		return err
	}
	if err := read("smtp.password_file", c.SMTP.PasswordFile, &c.SMTP.Password); err != nil {
		return err
	}
	if v, ok := os.LookupEnv("TICKETD_IMAP_PASSWORD"); ok {
		c.IMAP.Password = v
	}
	if v, ok := os.LookupEnv("TICKETD_SMTP_PASSWORD"); ok {
		c.SMTP.Password = v
	}
	return nil
}

func (c *Config) validate(path string) error {
	bad := func(key, problem string) error { return &ConfigError{File: path, Key: key, Problem: problem} }
	checks := []struct {
		key string
		ok  bool
		why string
	}{
		{"imap.address", validHostPort(c.IMAP.Address), "want host:port, e.g. imap.example.org:993"},
		{"imap.tls", validTLS(c.IMAP.TLS), `want "none", "starttls" or "tls"`},
		{"imap.username", c.IMAP.Username != "", "required"},
		{"imap.mailbox", c.IMAP.Mailbox != "", "required"},
		{"imap.processed_mailbox", c.IMAP.ProcessedMailbox != c.IMAP.Mailbox, "must differ from imap.mailbox"},
		{"imap.poll_interval", c.IMAP.PollInterval.Duration >= time.Second, "want at least 1s"},
		{"imap.idle_timeout", c.IMAP.IdleTimeout.Duration >= time.Second && c.IMAP.IdleTimeout.Duration <= 29*time.Minute,
			"want 1s to 29m: servers end IDLE after 30 minutes"},
		{"imap.timeout", c.IMAP.Timeout.Duration >= time.Second, "want at least 1s"},
		{"imap.max_message_mb", c.IMAP.MaxMessageMB > 0, "want a positive size in MB"},
		{"imap.batch_size", c.IMAP.BatchSize > 0 && c.IMAP.BatchSize <= 1000, "want 1 to 1000"},
		{"smtp.address", validHostPort(c.SMTP.Address), "want host:port, e.g. smtp.example.org:587"},
		{"smtp.tls", validTLS(c.SMTP.TLS), `want "none", "starttls" or "tls"`},
		{"smtp.from", validFrom(c.SMTP.From), `want an address, e.g. "Служба поддержки <support@example.org>"`},
		{"smtp.timeout", c.SMTP.Timeout.Duration >= time.Second, "want at least 1s"},
		{"smtp.connections", c.SMTP.Connections >= 1 && c.SMTP.Connections <= 32, "want 1 to 32"},
		{"daemon.shutdown_grace", c.Daemon.ShutdownGrace.Duration >= time.Second, "want at least 1s"},
		{"daemon.memory_limit_mb", c.Daemon.MemoryLimitMB == 0 || c.Daemon.MemoryLimitMB >= 32,
			"want 0 (no limit) or at least 32"},
		{"store.path", c.Store.Path != "", "required"},
		{"sla.normal", c.SLA.Normal.Duration > 0, "want a positive duration"},
		{"sla.priority", c.SLA.Priority.Duration > 0, "want a positive duration"},
		{"templates.timezone", validZone(c.Templates.Timezone), "unknown time zone"},
		{"attachments.max_size_mb", c.Attachments.MaxSizeMB > 0, "want a positive size in MB"},
		{"attachments.allowed", len(c.Attachments.Allowed) > 0, "want at least one media type"},
		{"attachments.max_decode_mb", c.Attachments.MaxDecodeMB >= 1 && c.Attachments.MaxDecodeMB <= maxDecodeMB,
			fmt.Sprintf("want 1 to %d (MiB)", maxDecodeMB)},
		{"replies.auto_per_hour", c.Replies.AutoPerHour > 0, "want a positive number"},
		{"log.format", c.Log.Format == "text" || c.Log.Format == "json", `want "text" or "json"`},
		{"log.level", validLevel(c.Log.Level), `want "debug", "info", "warn" or "error"`},
	}
	for _, ch := range checks {
		if !ch.ok {
			return bad(ch.key, ch.why)
		}
	}
	for key, file := range map[string]string{"imap.ca_file": c.IMAP.CAFile, "smtp.ca_file": c.SMTP.CAFile} {
		if _, err := tlsConfig(file); err != nil {
			return bad(key, err.Error())
		}
	}
	return nil
}

// tlsConfig trusts the system's roots plus the certificates in caFile (PEM),
// for mail servers with a certificate from a private CA. It returns nil for
// no caFile: the system's roots alone.
func tlsConfig(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	return &tls.Config{RootCAs: pool}, nil
}

func validHostPort(s string) bool {
	h, p, err := net.SplitHostPort(s)
	return err == nil && h != "" && p != ""
}

func validTLS(s string) bool { return s == "none" || s == "starttls" || s == "tls" }

func validFrom(s string) bool {
	_, err := mail.ParseAddress(s)
	return err == nil
}

func validZone(s string) bool {
	_, err := time.LoadLocation(s)
	return err == nil
}

func validLevel(s string) bool {
	switch s {
	case "debug", "info", "warn", "error":
		return true
	}
	return false
}
