package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/applications"
)

func TestStatusConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "applications.csv")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte("number,status,email\n2026-004512,approved,m.sidorova@example.ru\n"), 0o600)
	os.WriteFile(bad, []byte("number,status,email\n2026-004512,maybe,m.sidorova@example.ru\n"), 0o600)
	for _, tc := range []struct {
		name, section string
		wantKey       string // "" for no error
		wantProblem   string
		want          string // the register's type: "none", "http", "file"
	}{
		{"none", "", "", "", "none"},
		{"url", "url = \"https://register.example.org/api/applications/{number}\"\ntimeout = \"2s\"\nretries = 0", "", "", "http"},
		{"file", "file = " + quote(good), "", "", "file"},
		{"both", "url = \"https://register.example.org/{number}\"\nfile = " + quote(good), "status.file", "not both", ""},
		{"url without {number}", "url = \"https://register.example.org/api/applications\"", "status.url", "URL has no {number}", ""},
		{"url not http", "url = \"ftp://register.example.org/{number}\"", "status.url", "want http:// or https://", ""},
		{"file missing", "file = " + quote(filepath.Join(dir, "missing.csv")), "status.file", "missing.csv", ""},
		{"file broken", "file = " + quote(bad), "status.file", "bad.csv: line 2: status", ""},
		{"timeout too short", "url = \"https://r.example.org/{number}\"\ntimeout = \"1ms\"", "status.timeout", "want 100ms to 1m", ""},
		{"retries negative", "url = \"https://r.example.org/{number}\"\nretries = -1", "status.retries", "want 0 to 10", ""},
		{"retries too many", "url = \"https://r.example.org/{number}\"\nretries = 100", "status.retries", "want 0 to 10", ""},
		{"misspelt key", "uri = \"https://r.example.org/{number}\"", "status.uri", "unknown key", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := minimal
			if tc.section != "" {
				body += "[status]\n" + tc.section + "\n"
			}
			cfg, err := LoadConfig(writeConfig(t, body))
			if tc.wantKey != "" {
				var ce *ConfigError
				if !errors.As(err, &ce) || ce.Key != tc.wantKey || !strings.Contains(ce.Problem, tc.wantProblem) {
					t.Fatalf("LoadConfig() error = %v, want a ConfigError on %s saying %q", err, tc.wantKey, tc.wantProblem)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig() error = %v", err)
			}
			got := "none"
			switch cfg.Status.Register.(type) {
			case *applications.HTTP:
				got = "http"
			case *applications.File:
				got = "file"
			}
			if got != tc.want {
				t.Errorf("register = %s (%T), want %s", got, cfg.Status.Register, tc.want)
			}
		})
	}
}

func TestStatusConfigDefaults(t *testing.T) {
	d := Defaults().Status
	if d.Timeout.Duration != 5*time.Second || d.Retries != 2 || d.URL != "" || d.File != "" {
		t.Errorf("Defaults().Status = %+v, want timeout 5s, 2 retries, no source", d)
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `\`, `\\`) + `"` }
