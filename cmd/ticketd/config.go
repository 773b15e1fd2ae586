package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"golang.org/x/net/idna"

	"github.com/ticketd/ticketd/applications"
	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/console"
	"github.com/ticketd/ticketd/daemon"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// maxDecodeMB is the largest attachments.max_decode_mb: 64 GiB, more than
// one image should ever be let take.
const maxDecodeMB = 64 << 10

// Config is ticketd's configuration, decoded from TOML and validated.
type Config struct {
	IMAP        IMAPConfig        `toml:"imap"`
	Mailboxes   []MailboxConfig   `toml:"mailbox"` // [[mailbox]] sections (config_mailbox.go)
	SMTP        SMTPConfig        `toml:"smtp"`
	Store       StoreConfig       `toml:"store"`
	SLA         SLAConfig         `toml:"sla"`
	Templates   TemplatesConfig   `toml:"templates"`
	Rules       RulesConfig       `toml:"rules"`
	Attachments AttachmentsConfig `toml:"attachments"`
	Replies     RepliesConfig     `toml:"replies"`
	Daemon      DaemonConfig      `toml:"daemon"`
	Console     ConsoleConfig     `toml:"console"`
	Metrics     MetricsConfig     `toml:"metrics"`
	Retention   RetentionConfig   `toml:"retention"`
	Log         LogConfig         `toml:"log"`
	Status      StatusConfig      `toml:"status"`
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
	OAuthConfig               // auth, oauth_* (config_oauth.go)

	// TLSConfig is the system's roots plus ca_file, set by LoadConfig; nil
	// when ca_file is not set.
	TLSConfig *tls.Config `toml:"-"`
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
	HELO         string   `toml:"helo"`
	Timeout      Duration `toml:"timeout"`
	Connections  int      `toml:"connections"`
	OAuthConfig           // auth, oauth_* (config_oauth.go)

	// FromAddress is From parsed, and TLSConfig the system's roots plus
	// ca_file (nil without ca_file), set by LoadConfig. HELO defaults to
	// the domain of From, in ASCII.
	FromAddress mail.Address `toml:"-"`
	TLSConfig   *tls.Config  `toml:"-"`
}

// StoreConfig is the [store] section: a SQLite file (path, the default)
// or a PostgreSQL database (url, "postgres://user:password@host/db"), not
// both.
type StoreConfig struct {
	Path    string `toml:"path"`
	URL     string `toml:"url"`
	KeyFile string `toml:"key_file"`
}

// Location is where the store is, as store.Open takes it: the URL when
// one is set, else the path.
func (s StoreConfig) Location() string {
	if s.URL != "" {
		return s.URL
	}
	return s.Path
}

// Key is the configuration key that names the store: store.url or
// store.path.
func (s StoreConfig) Key() string {
	if s.URL != "" {
		return "store.url"
	}
	return "store.path"
}

// Shown is the store's location as it may be logged: a URL without its
// password.
func (s StoreConfig) Shown() string { return store.Redact(s.Location()) }

// SLAConfig is the [sla] section: answer deadlines, and the watch over
// them (config_sla.go).
type SLAConfig struct {
	Normal   Duration `toml:"normal"`
	Priority Duration `toml:"priority"`

	Notify     []string `toml:"notify"`      // addresses of the staff told about deadlines
	Daily      string   `toml:"daily"`       // time of day of the summary, "09:00" in [templates] timezone; "off"
	Immediate  bool     `toml:"immediate"`   // a letter when tickets become overdue
	ConsoleURL string   `toml:"console_url"` // the console as the staff open it, for links in the letters
	Interval   Duration `toml:"interval"`    // how often the deadlines are looked at

	// Set by LoadConfig: Notify parsed, and Daily as a time of day after
	// midnight (DailyOn false for "off").
	NotifyAddresses []mail.Address `toml:"-"`
	DailyAt         time.Duration  `toml:"-"`
	DailyOn         bool           `toml:"-"`
}

// TemplatesConfig is the [templates] section.
type TemplatesConfig struct {
	Dir      string `toml:"dir"`
	Timezone string `toml:"timezone"`

	// Location is Timezone loaded, set by LoadConfig.
	Location *time.Location `toml:"-"`
}

// RulesConfig is the [rules] section.
type RulesConfig struct {
	File string `toml:"file"`
	// Model is a priority model file written by "ticketd triage learn
	// -o"; "" is the model built into the binary.
	Model string `toml:"model"`
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
	LeaseConfig            // lease_ttl, lease_renew, claim_ttl (config_mailbox.go)
	// StaleAfter turns /healthz unhealthy when a mailbox has not been
	// read for this long; 0 turns the check off.
	StaleAfter Duration `toml:"stale_after"`
}

// ConsoleConfig is the [console] section: the operators' web console,
// served by "ticketd run" and "ticketd demo".
type ConsoleConfig struct {
	// Address is host:port to listen on; "" turns the console off.
	Address string `toml:"address"`
	// CertFile and KeyFile, both set, serve it over TLS (PEM files).
	CertFile    string   `toml:"cert_file"`
	KeyFile     string   `toml:"key_file"`
	RequireTOTP bool     `toml:"require_totp"` // admins must have enrolled TOTP to sign in
	IdleTimeout Duration `toml:"idle_timeout"` // a session unused this long ends
}

// RetentionConfig is the [retention] section: how long the
// correspondence of a closed ticket is kept before "ticketd purge" and the
// daemon remove it (store.DB.Purge). A period is days ("1095d"), hours
// ("36h") or a Go duration; "" or "forever" keeps it forever, the default.
type RetentionConfig struct {
	ClosedFor string `toml:"closed_for"`
	// Category overrides closed_for for the tickets of a category
	// (triage's: technical_error, service_question, ...).
	Category map[string]string `toml:"category"`

	// Rules is closed_for and Category parsed, set by LoadConfig: the
	// rule of each category, "" for closed_for; a category missing is
	// kept forever.
	Rules map[string]store.RetentionRule `toml:"-"`
}

// StatusConfig is the [status] section: the agency's register of
// applications, asked when a letter asks an application's status (see
// package applications). url and file are exclusive; neither leaves
// status requests to operators.
type StatusConfig struct {
	URL     string   `toml:"url"`     // GET, with {number} where the number goes
	File    string   `toml:"file"`    // a CSV file of number,status,email
	Timeout Duration `toml:"timeout"` // url: each attempt
	Retries int      `toml:"retries"` // url: attempts after the first

	// Register is url or file opened, set by LoadConfig; nil when neither
	// is set.
	Register applications.Register `toml:"-"`
}

// LogConfig is the [log] section.
type LogConfig struct {
	Format string `toml:"format"`
	Level  string `toml:"level"`

	// SlogLevel is Level parsed, set by LoadConfig.
	SlogLevel slog.Level `toml:"-"`
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
		IMAP: IMAPConfig{TLS: "tls", Mailbox: "INBOX", PollInterval: Duration{daemon.DefaultPollInterval},
			Idle: true, IdleTimeout: Duration{daemon.DefaultIdleTimeout},
			Timeout: Duration{daemon.DefaultTimeout}, MaxMessageMB: daemon.DefaultMaxSize >> 20, BatchSize: daemon.DefaultBatchSize},
		SMTP:        SMTPConfig{TLS: "starttls", Timeout: Duration{replies.DefaultTimeout}, Connections: replies.DefaultConnections},
		Store:       StoreConfig{Path: "ticketd.db"},
		SLA:         SLAConfig{Normal: Duration{daemon.DefaultNormalSLA}, Priority: Duration{daemon.DefaultPrioritySLA}, Daily: defaultDaily, Interval: Duration{daemon.DefaultWatchInterval}},
		Templates:   TemplatesConfig{Timezone: "Europe/Moscow"},
		Attachments: AttachmentsConfig{MaxSizeMB: 5, Allowed: []string{"image/jpeg", "image/png", "application/pdf"}, MaxDecodeMB: attachments.DefaultMaxDecodeBytes >> 20},
		Replies:     RepliesConfig{AutoPerHour: daemon.DefaultAutoRepliesPerHour},
		Daemon: DaemonConfig{ShutdownGrace: Duration{30 * time.Second}, MemoryLimitMB: 64, StaleAfter: Duration{defaultStaleAfter},
			LeaseConfig: LeaseConfig{TTL: Duration{daemon.DefaultLeaseTTL}, Renew: Duration{daemon.DefaultLeaseRenew}, ClaimTTL: Duration{store.DefaultClaimTTL}}},
		Console: ConsoleConfig{Address: "127.0.0.1:8080", RequireTOTP: true, IdleTimeout: Duration{console.DefaultIdleTimeout}},
		Log:     LogConfig{Format: "text", Level: "info"},
		Status:  StatusConfig{Timeout: Duration{applications.DefaultTimeout}, Retries: applications.DefaultRetries},
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

// Part is a part of the configuration that a command needs: LoadConfig
// validates the parts asked for and leaves the others as the file has
// them, so that "ticketd tickets" runs on a copy of the database without
// the mailbox's settings.
type Part uint8

// Parts of the configuration.
const (
	PartStore     Part = 1 << iota // [store]
	PartTemplates                  // [templates]
	PartSender                     // [smtp] from: what answers are written from
	PartMailbox                    // [imap]
	PartSMTP                       // [smtp]: the server answers are sent through
	PartDaemon                     // [daemon], [sla], [rules], [attachments], [replies], [status]
	PartConsole                    // [console]
	PartRetention                  // [retention]

	// PartAll is what "ticketd run" needs.
	PartAll = PartStore | PartTemplates | PartSender | PartMailbox | PartSMTP | PartDaemon | PartConsole | PartRetention
)

// LoadConfig reads path over Defaults, takes secrets from the environment or
// password files, and validates the parts asked for (all when none is
// named) into the typed values the wiring uses. [log] is always validated.
func LoadConfig(path string, parts ...Part) (Config, error) {
	need := Part(0)
	for _, p := range parts {
		need |= p
	}
	if need == 0 {
		need = PartAll
	}
	cfg := Defaults()
	md, err := toml.DecodeFile(path, &cfg)
	if err == nil && md.IsDefined("store", "url") && !md.IsDefined("store", "path") {
		cfg.Store.Path = "" // the default path gives way to a URL
	}
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
	if err := cfg.validate(path, need); err != nil {
		return cfg, err
	}
	if need&PartMailbox != 0 {
		if err := cfg.checkMailboxes(path); err != nil {
			return cfg, err
		}
	}
	if need&PartDaemon != 0 {
		if err := cfg.checkLeases(path); err != nil {
			return cfg, err
		}
	}
	if err := cfg.secrets(path, need); err != nil {
		return cfg, err
	}
	if err := cfg.checkOAuth(path, need); err != nil {
		return cfg, err
	}
	return cfg, cfg.resolve(path, need)
}

// Validate checks the parts in need of a configuration read from path (a
// name for errors) and sets their typed values; LoadConfig calls it, and
// so does whatever builds a Config in code, such as the demo.
func (c *Config) Validate(path string, need Part) error {
	if err := c.validate(path, need); err != nil {
		return err
	}
	return c.resolve(path, need)
}

// secrets reads the passwords of the parts in need from their files or the
// environment.
func (c *Config) secrets(path string, need Part) error {
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
	if need&PartMailbox != 0 {
		if err := read("imap.password_file", c.IMAP.PasswordFile, &c.IMAP.Password); err != nil {
			return err
		}
		if v, ok := os.LookupEnv("TICKETD_IMAP_PASSWORD"); ok {
			c.IMAP.Password = v
		}
	}
	if need&PartSMTP != 0 {
		if err := read("smtp.password_file", c.SMTP.PasswordFile, &c.SMTP.Password); err != nil {
			return err
		}
		if v, ok := os.LookupEnv("TICKETD_SMTP_PASSWORD"); ok {
			c.SMTP.Password = v
		}
	}
	return nil
}

// check is one rule of validate: key must satisfy ok, or why is said.
type check struct {
	part Part
	key  string
	ok   bool
	why  string
}

// validate checks every key of the parts in need, naming the first key
// that is wrong.
func (c *Config) validate(path string, need Part) error {
	for _, ch := range c.checks() {
		if (ch.part == 0 || need&ch.part != 0) && !ch.ok {
			return &ConfigError{File: path, Key: ch.key, Problem: ch.why}
		}
	}
	return nil
}

// checks are the rules of the configuration, each with the part it
// belongs to (0: always).
func (c *Config) checks() []check {
	return []check{
		{PartMailbox, "imap.address", len(c.Mailboxes) > 0 || validHostPort(c.IMAP.Address), "want host:port, e.g. imap.example.org:993"},
		{PartMailbox, "imap.tls", validTLS(c.IMAP.TLS), `want "none", "starttls" or "tls"`},
		{PartMailbox, "imap.username", len(c.Mailboxes) > 0 || c.IMAP.Username != "", "required (or [[mailbox]] sections)"},
		{PartMailbox, "imap.mailbox", c.IMAP.Mailbox != "", "required"},
		{PartMailbox, "imap.processed_mailbox", c.IMAP.ProcessedMailbox != c.IMAP.Mailbox, "must differ from imap.mailbox"},
		{PartMailbox, "imap.poll_interval", c.IMAP.PollInterval.Duration >= time.Second, "want at least 1s"},
		{PartMailbox, "imap.idle_timeout", c.IMAP.IdleTimeout.Duration >= time.Second && c.IMAP.IdleTimeout.Duration <= 29*time.Minute,
			"want 1s to 29m: servers end IDLE after 30 minutes"},
		{PartMailbox, "imap.timeout", c.IMAP.Timeout.Duration >= time.Second, "want at least 1s"},
		{PartMailbox, "imap.max_message_mb", c.IMAP.MaxMessageMB > 0, "want a positive size in MB"},
		{PartMailbox, "imap.batch_size", c.IMAP.BatchSize > 0 && c.IMAP.BatchSize <= 1000, "want 1 to 1000"},
		{PartSMTP, "smtp.address", validHostPort(c.SMTP.Address), "want host:port, e.g. smtp.example.org:587"},
		{PartSMTP, "smtp.tls", validTLS(c.SMTP.TLS), `want "none", "starttls" or "tls"`},
		{PartSMTP, "smtp.timeout", c.SMTP.Timeout.Duration >= time.Second, "want at least 1s"},
		{PartSMTP, "smtp.connections", c.SMTP.Connections >= 1 && c.SMTP.Connections <= 32, "want 1 to 32"},
		{PartSMTP, "smtp.helo", c.SMTP.HELO == "" || validHELO(c.SMTP.HELO), "want a host name in ASCII, e.g. mail.example.org"},
		{PartDaemon, "daemon.shutdown_grace", c.Daemon.ShutdownGrace.Duration >= time.Second, "want at least 1s"},
		{PartDaemon, "daemon.memory_limit_mb", c.Daemon.MemoryLimitMB == 0 || c.Daemon.MemoryLimitMB >= 32,
			"want 0 (no limit) or at least 32"},
		{PartDaemon, "daemon.stale_after", c.Daemon.StaleAfter.Duration == 0 || c.Daemon.StaleAfter.Duration >= time.Minute,
			"want 0 (off) or at least 1m"},
		{PartConsole, "metrics.address", c.Metrics.Address == "" || validHostPort(c.Metrics.Address),
			"want host:port, e.g. 127.0.0.1:9464, or \"\""},
		{PartStore, "store.path", c.Store.Path != "" || c.Store.URL != "", "required (or store.url)"},
		{PartStore, "store.url", c.Store.URL == "" || c.Store.Path == "", "set store.url or store.path, not both"},
		{PartStore, "store.url", c.Store.URL == "" || strings.HasPrefix(c.Store.URL, "postgres://") ||
			strings.HasPrefix(c.Store.URL, "postgresql://"), `want a PostgreSQL URL, "postgres://user:password@host/database"`},
		{PartConsole, "console.address", c.Console.Address == "" || validHostPort(c.Console.Address),
			`want host:port, e.g. 127.0.0.1:8080, or "" to turn the console off`},
		{PartConsole, "console.cert_file", c.Console.CertFile != "" || c.Console.KeyFile == "", "required with console.key_file"},
		{PartConsole, "console.key_file", c.Console.KeyFile != "" || c.Console.CertFile == "", "required with console.cert_file"},
		{PartConsole, "console.idle_timeout", c.Console.IdleTimeout.Duration >= time.Minute, "want at least 1m"},
		{PartDaemon, "sla.normal", c.SLA.Normal.Duration > 0, "want a positive duration"},
		{PartDaemon, "sla.priority", c.SLA.Priority.Duration > 0, "want a positive duration"},
		{PartDaemon, "attachments.max_size_mb", c.Attachments.MaxSizeMB > 0, "want a positive size in MB"},
		{PartDaemon, "attachments.allowed", len(c.Attachments.Allowed) > 0, "want at least one media type"},
		{PartDaemon, "attachments.max_decode_mb", c.Attachments.MaxDecodeMB >= 1 && c.Attachments.MaxDecodeMB <= maxDecodeMB,
			fmt.Sprintf("want 1 to %d (MiB)", maxDecodeMB)},
		{PartDaemon, "replies.auto_per_hour", c.Replies.AutoPerHour > 0, "want a positive number"},
		{PartDaemon, "status.file", c.Status.URL == "" || c.Status.File == "", "set status.url or status.file, not both"},
		{PartDaemon, "status.timeout", c.Status.Timeout.Duration >= 100*time.Millisecond && c.Status.Timeout.Duration <= time.Minute,
			"want 100ms to 1m"},
		{PartDaemon, "status.retries", c.Status.Retries >= 0 && c.Status.Retries <= 10, "want 0 to 10"},
		{0, "log.format", c.Log.Format == "text" || c.Log.Format == "json", `want "text" or "json"`},
		{0, "log.level", validLevel(c.Log.Level), `want "debug", "info", "warn" or "error"`},
	}
}

// resolve turns the values of the parts in need into the typed values the
// wiring uses: each is parsed once, here, and one that does not parse is
// an error naming its key, as validate's are.
func (c *Config) resolve(path string, need Part) error {
	bad := func(key string, err error) error { return &ConfigError{File: path, Key: key, Problem: err.Error()} }
	if err := c.Log.SlogLevel.UnmarshalText([]byte(c.Log.Level)); err != nil {
		return bad("log.level", err)
	}
	if need&PartTemplates != 0 {
		loc, err := time.LoadLocation(c.Templates.Timezone)
		if err != nil {
			return &ConfigError{File: path, Key: "templates.timezone", Problem: "unknown time zone"}
		}
		c.Templates.Location = loc
	}
	if need&PartSender != 0 {
		from, err := mail.ParseAddress(c.SMTP.From)
		if err != nil {
			return &ConfigError{File: path, Key: "smtp.from", Problem: `want an address, e.g. "Служба поддержки <support@example.org>"`}
		}
		c.SMTP.FromAddress = *from
		if c.SMTP.HELO == "" {
			c.SMTP.HELO = heloName(from.Address)
		}
	}
	var err error
	if need&PartMailbox != 0 {
		if c.IMAP.TLSConfig, err = tlsConfig(c.IMAP.CAFile); err != nil {
			return bad("imap.ca_file", err)
		}
	}
	if need&PartSMTP != 0 {
		if c.SMTP.TLSConfig, err = tlsConfig(c.SMTP.CAFile); err != nil {
			return bad("smtp.ca_file", err)
		}
	}
	if need&PartConsole != 0 && c.Console.Address != "" && c.Console.CertFile != "" {
		if err := checkKeyPair(path, c.Console.CertFile, c.Console.KeyFile); err != nil {
			return err
		}
	}
	if need&PartConsole != 0 {
		if c.Metrics.Token, err = readToken(c.Metrics.TokenFile); err != nil {
			return bad("metrics.token_file", err)
		}
	}
	if need&PartRetention != 0 {
		if c.Retention.Rules, err = c.Retention.rules(path); err != nil {
			return err
		}
	}
	if need&PartDaemon != 0 {
		if err := c.SLA.resolve(path); err != nil {
			return err
		}
		if c.Status.Register, err = c.Status.register(path); err != nil {
			return err
		}
	}
	return nil
}

// register opens the register of applications that url or file names:
// the URL is checked, the file read (a mistake in it is told at the
// start, naming its line). It returns nil when neither is set.
func (s StatusConfig) register(path string) (applications.Register, error) {
	switch {
	case s.URL != "":
		h, err := applications.NewHTTP(s.URL, &applications.HTTPOptions{Timeout: s.Timeout.Duration, Retries: s.Retries})
		if err != nil {
			return nil, &ConfigError{File: path, Key: "status.url", Problem: strings.TrimPrefix(err.Error(), "applications: ") +
				`; want e.g. "https://register.example.org/api/applications/{number}"`}
		}
		return h, nil
	case s.File != "":
		f, err := applications.OpenFile(s.File)
		if err != nil {
			return nil, &ConfigError{File: path, Key: "status.file", Problem: strings.TrimPrefix(err.Error(), "applications: ")}
		}
		return f, nil
	}
	return nil, nil
}

// checkKeyPair checks that the console's certificate and key can be read
// and belong together, so that a mistake is told at the start, naming the
// key, and not at the first connection.
func checkKeyPair(path, certFile, keyFile string) error {
	for _, f := range []struct{ key, file string }{{"console.cert_file", certFile}, {"console.key_file", keyFile}} {
		b, err := os.ReadFile(f.file)
		if err != nil {
			return &ConfigError{File: path, Key: f.key, Problem: err.Error()}
		}
		if !bytes.Contains(b, []byte("-----BEGIN ")) {
			return &ConfigError{File: path, Key: f.key, Problem: f.file + " is not a PEM file"}
		}
	}
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		return &ConfigError{File: path, Key: "console.key_file", Problem: "does not go with console.cert_file: " + err.Error()}
	}
	return nil
}

// heloName is the name ticketd gives in EHLO when [smtp] helo is not set:
// the domain of its From address, in ASCII, or "" (go-mail's localhost)
// when it has none.
func heloName(from string) string {
	at := strings.LastIndexByte(from, '@')
	if at < 0 {
		return ""
	}
	name, err := idna.Lookup.ToASCII(from[at+1:])
	if err != nil || name == "" {
		return ""
	}
	return name
}

// validHELO reports whether s can stand in EHLO: a host name of letters,
// digits, hyphens and dots.
func validHELO(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
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

func validLevel(s string) bool {
	switch s {
	case "debug", "info", "warn", "error":
		return true
	}
	return false
}
