package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	code := Main(t.Context(), []string{"show", "TKT-000001", "-json", "-config", "/nonexistent/ticketd.toml"}, &strings.Builder{}, &errb)
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
	for _, args := range [][]string{{"tickets"}, {"show", "TKT-000001"}, {"status", "TKT-000001", "closed", "-operator", "anna"},
		{"reply", "TKT-000001", "-template", "resolved", "-preview"}, {"templates"}} {
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
