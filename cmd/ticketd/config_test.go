package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/memmail"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ticketd.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const minimal = `
[imap]
address = "imap.example.org:993"
username = "support@example.org"
[smtp]
address = "smtp.example.org:587"
from = "Support <support@example.org>"
`

func TestExampleConfigLoads(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "..", "ticketd.example.toml"))
	if err != nil {
		t.Fatalf("LoadConfig(ticketd.example.toml) error: %v", err)
	}
	if cfg.SLA.Priority.Duration != 12*time.Hour || cfg.SLA.Normal.Duration != 24*time.Hour {
		t.Errorf("SLA = %v/%v, want 24h/12h", cfg.SLA.Normal, cfg.SLA.Priority)
	}
	if want := Defaults().Attachments.MaxDecodeMB; cfg.Attachments.MaxDecodeMB != want {
		t.Errorf("attachments.max_decode_mb = %d, want the default %d", cfg.Attachments.MaxDecodeMB, want)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name, body, key string
	}{
		{"unknown key", minimal + "[imap.extra]\nfoo = 1\n", "imap.extra"},
		{"misspelt key", strings.Replace(minimal, "username", "usernme", 1), "imap.usernme"},
		{"bad tls", minimal + "[log]\nformat = \"xml\"\n", "log.format"},
		{"bad duration", strings.Replace(minimal, "[smtp]", "poll_interval = \"soon\"\n[smtp]", 1), "poll_interval"},
		{"missing address", strings.Replace(minimal, `address = "imap.example.org:993"`, "", 1), "imap.address"},
		{"bad from", strings.Replace(minimal, `"Support <support@example.org>"`, `"nobody"`, 1), "smtp.from"},
		{"bad time zone", minimal + "[templates]\ntimezone = \"Mars/Olympus\"\n", "templates.timezone"},
		{"missing CA file", strings.Replace(minimal, "[smtp]", "ca_file = \"/nonexistent.pem\"\n[smtp]", 1), "imap.ca_file"},
		{"same folders", strings.Replace(minimal, "[smtp]", "processed_mailbox = \"INBOX\"\n[smtp]", 1), "imap.processed_mailbox"},
		{"memory limit too small", minimal + "[daemon]\nmemory_limit_mb = 8\n", "daemon.memory_limit_mb"},
		{"negative memory limit", minimal + "[daemon]\nmemory_limit_mb = -1\n", "daemon.memory_limit_mb"},
		{"no decode limit", minimal + "[attachments]\nmax_decode_mb = 0\n", "attachments.max_decode_mb"},
		{"decode limit past 64 GiB", minimal + "[attachments]\nmax_decode_mb = 100000\n", "attachments.max_decode_mb"},
		{"decode limit not whole", minimal + "[attachments]\nmax_decode_mb = 1.5\n", "attachments.max_decode_mb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tt.body))
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("LoadConfig = %v, want a ConfigError naming %s", err, tt.key)
			}
		})
	}
}

func TestPasswordSources(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("from-file\n"), 0o600)
	body := strings.Replace(minimal, "[smtp]", "password_file = \""+pw+"\"\n[smtp]", 1)
	cfg, err := LoadConfig(writeConfig(t, body))
	if err != nil || cfg.IMAP.Password != "from-file" {
		t.Errorf("password_file: got %q, %v", cfg.IMAP.Password, err)
	}
	t.Setenv("TICKETD_IMAP_PASSWORD", "from-env")
	cfg, _ = LoadConfig(writeConfig(t, body))
	if cfg.IMAP.Password != "from-env" {
		t.Errorf("TICKETD_IMAP_PASSWORD: got %q", cfg.IMAP.Password)
	}
	_, err = LoadConfig(writeConfig(t, strings.Replace(minimal, "[smtp]", "[smtp]\npassword_file = \"/nonexistent\"", 1)))
	if err == nil || !strings.Contains(err.Error(), "smtp.password_file") {
		t.Errorf("missing password file: %v, want an error naming smtp.password_file", err)
	}
}

func TestBadConfigExitsTwo(t *testing.T) {
	var out, errb strings.Builder
	p := writeConfig(t, minimal+"[log]\nlevel = \"loud\"\n")
	if code := Main(t.Context(), []string{"run", "-once", "-config", p}, &out, &errb); code != exitUsage {
		t.Errorf("exit code = %d, want %d", code, exitUsage)
	}
	if got := strings.TrimSpace(errb.String()); strings.Count(got, "\n") != 0 || !strings.Contains(got, "log.level") {
		t.Errorf("stderr = %q, want one line naming log.level", got)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	var errb strings.Builder
	code := Main(t.Context(), []string{"show", "TKT-000001", "-json", "-operator", "anna", "-config", "/nonexistent/ticketd.toml"}, &strings.Builder{}, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "/nonexistent/ticketd.toml") {
		t.Errorf("show with flags after the number: exit %d, stderr %q; want the config error", code, errb.String())
	}
}

func TestHeloName(t *testing.T) {
	tests := []struct{ from, want string }{
		{"support@example.gov.ru", "example.gov.ru"},
		{"support@Example.GOV", "example.gov"},
		{"support@госуслуги.рф", "xn--c1aapkosapc.xn--p1ai"},
		{"support@[192.0.2.1]", ""},
		{"no-domain", ""},
	}
	for _, tt := range tests {
		if got := heloName(tt.from); got != tt.want {
			t.Errorf("heloName(%q) = %q, want %q", tt.from, got, tt.want)
		}
	}
}

// TestCommandsNeedOnlyTheirPart checks that commands which only read or
// queue run on a configuration with [store] alone (a database copied to
// another machine), while "run" still names what it lacks.
func TestCommandsNeedOnlyTheirPart(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "ticketd.toml")
	body := "[store]\npath = \"" + filepath.Join(dir, "ticketd.db") + "\"\n[smtp]\nfrom = \"Support <support@example.org>\"\n" +
		"password_file = \"/nonexistent\"\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"tickets"}, {"show", "TKT-000001", "-operator", "anna"}, {"status", "TKT-000001", "closed", "-operator", "anna"},
		{"reply", "TKT-000001", "-template", "resolved", "-preview"}, {"templates"}, {"tickets", "-overdue"},
		{"priority", "TKT-000001", "high", "-reason", "loss of access", "-operator", "anna"}} {
		_, stderr, _ := run(t, append(args, "-config", conf)...)
		if strings.Contains(stderr, "imap.") || strings.Contains(stderr, "smtp.address") || strings.Contains(stderr, "password_file") {
			t.Errorf("ticketd %s: %s; want no complaint about the mailbox or the SMTP server", strings.Join(args, " "), stderr)
		}
	}
	if _, stderr, code := run(t, "run", "-once", "-config", conf); code != exitUsage || !strings.Contains(stderr, "imap.address") {
		t.Errorf("ticketd run = exit %d, %q; want exit %d naming imap.address", code, stderr, exitUsage)
	}
}

// TestValidateSetsTypedValues checks that the values the wiring uses are
// parsed once, by LoadConfig.
func TestValidateSetsTypedValues(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, minimal+"[templates]\ntimezone = \"Asia/Vladivostok\"\n[log]\nlevel = \"warn\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP.FromAddress.Address != "support@example.org" || cfg.SMTP.HELO != "example.org" ||
		cfg.Templates.Location == nil || cfg.Templates.Location.String() != "Asia/Vladivostok" || cfg.Log.SlogLevel.String() != "WARN" {
		t.Errorf("LoadConfig = from %+v, helo %q, location %v, level %v; want them parsed",
			cfg.SMTP.FromAddress, cfg.SMTP.HELO, cfg.Templates.Location, cfg.Log.SlogLevel)
	}
}

// writeKeyPair writes a fresh self-signed certificate for 127.0.0.1 and
// its key as PEM files, and returns their paths.
func writeKeyPair(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	c, err := memmail.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(c.TLS.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "console.crt"), filepath.Join(dir, "console.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.TLS.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestConsoleConfig(t *testing.T) {
	cert, key := writeKeyPair(t)
	otherCert, _ := writeKeyPair(t)
	section := func(lines ...string) string { return minimal + "[console]\n" + strings.Join(lines, "\n") + "\n" }
	q := func(key, value string) string { return key + " = " + strconv.Quote(value) }
	tests := []struct {
		name, body string
		key        string // the key the error names; "" for none
		want       ConsoleConfig
	}{
		{"defaults", minimal, "", ConsoleConfig{Address: "127.0.0.1:8080", RequireTOTP: true, IdleTimeout: Duration{30 * time.Minute}}},
		{"off", section(q("address", "")), "", ConsoleConfig{RequireTOTP: true, IdleTimeout: Duration{30 * time.Minute}}},
		{"TLS", section(q("address", "[::1]:8443"), q("cert_file", cert), q("key_file", key), "require_totp = false", q("idle_timeout", "2h")), "",
			ConsoleConfig{Address: "[::1]:8443", CertFile: cert, KeyFile: key, IdleTimeout: Duration{2 * time.Hour}}},
		{"no port", section(q("address", "127.0.0.1")), "console.address", ConsoleConfig{}},
		{"no host", section(q("address", ":8080")), "console.address", ConsoleConfig{}},
		{"cert without key", section(q("cert_file", cert)), "console.key_file", ConsoleConfig{}},
		{"key without cert", section(q("key_file", key)), "console.cert_file", ConsoleConfig{}},
		{"missing cert", section(q("cert_file", "/nonexistent.crt"), q("key_file", key)), "console.cert_file", ConsoleConfig{}},
		{"key not PEM", section(q("cert_file", cert), q("key_file", "/dev/null")), "console.key_file", ConsoleConfig{}},
		{"key of another certificate", section(q("cert_file", otherCert), q("key_file", key)), "console.key_file", ConsoleConfig{}},
		{"idle timeout too short", section(q("idle_timeout", "30s")), "console.idle_timeout", ConsoleConfig{}},
		{"idle timeout not a duration", section(q("idle_timeout", "half an hour")), "console.idle_timeout", ConsoleConfig{}},
		{"unknown key", section(q("adress", "127.0.0.1:8080")), "console.adress", ConsoleConfig{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(writeConfig(t, tt.body))
			if tt.key != "" {
				var ce *ConfigError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.key) {
					t.Errorf("LoadConfig = %v, want a ConfigError naming %s", err, tt.key)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if cfg.Console != tt.want {
				t.Errorf("[console] = %+v, want %+v", cfg.Console, tt.want)
			}
		})
	}
}

// TestConsoleConfigOnlyForRun checks that commands which do not serve the
// console do not read its files.
func TestConsoleConfigOnlyForRun(t *testing.T) {
	dir := t.TempDir()
	conf := writeConfig(t, "[store]\npath = \""+filepath.Join(dir, "t.db")+"\"\n[console]\ncert_file = \"/nonexistent.crt\"\nkey_file = \"/nonexistent.key\"\n")
	if _, stderr, code := run(t, "tickets", "-config", conf); code != exitOK {
		t.Errorf("tickets with a broken [console]: exit %d, %s", code, stderr)
	}
}

func TestMetricsAndStaleConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "token")
	short := filepath.Join(dir, "short")
	os.WriteFile(good, []byte("0123456789abcdef0123\n"), 0o600)
	os.WriteFile(short, []byte("abc\n"), 0o600)
	cfg, err := LoadConfig(writeConfig(t, minimal))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Daemon.StaleAfter.Duration != 10*time.Minute || cfg.Metrics.Address != "" || cfg.Metrics.Token != "" {
		t.Errorf("defaults: stale_after %v, metrics %+v; want 10m and no metrics served", cfg.Daemon.StaleAfter, cfg.Metrics)
	}
	cfg, err = LoadConfig(writeConfig(t, minimal+"[daemon]\nstale_after = \"0\"\n[metrics]\naddress = \"127.0.0.1:9464\"\ntoken_file = \""+good+"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Daemon.StaleAfter.Duration != 0 || cfg.Metrics.Address != "127.0.0.1:9464" || cfg.Metrics.Token != "0123456789abcdef0123" {
		t.Errorf("stale_after %v, metrics %+v; want 0 and the token read", cfg.Daemon.StaleAfter, cfg.Metrics)
	}
	bad := []struct{ name, body, key string }{
		{"stale_after too short", "[daemon]\nstale_after = \"10s\"\n", "daemon.stale_after"},
		{"stale_after not a duration", "[daemon]\nstale_after = \"soon\"\n", "stale_after"},
		{"metrics address without port", "[metrics]\naddress = \"localhost\"\n", "metrics.address"},
		{"token file missing", "[metrics]\ntoken_file = \"" + filepath.Join(dir, "none") + "\"\n", "metrics.token_file"},
		{"token too short", "[metrics]\ntoken_file = \"" + short + "\"\n", "metrics.token_file"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, minimal+tt.body))
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("LoadConfig = %v, want a ConfigError naming %s", err, tt.key)
			}
		})
	}
}
