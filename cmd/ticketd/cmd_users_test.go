package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
)

// runInput is run with stdin as standard input.
func runInput(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb strings.Builder
	code = MainInput(t.Context(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// usersConfig is a configuration with only a [store], with a key file when
// sealed.
func usersConfig(t *testing.T, sealed bool) (config, db string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "t.db")
	body := "[store]\npath = \"" + db + "\"\n"
	if sealed {
		key := filepath.Join(dir, "key")
		if err := os.WriteFile(key, []byte(store.NewKey()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		body += "key_file = \"" + key + "\"\n"
	}
	return writeConfig(t, body), db
}

func TestUsersCommand(t *testing.T) {
	config, _ := usersConfig(t, false)
	const pw = "correct horse battery\n"
	if out, errb, code := runInput(t, pw, "users", "add", "anna", "-role", "operator", "-operator", "root", "-config", config); code != 0 || !strings.Contains(out, "added anna") {
		t.Fatalf("users add anna: exit %d: %q %q", code, out, errb)
	}
	out, errb, code := run(t, "users", "list", "-config", config)
	if code != 0 || !regexp.MustCompile(`(?m)^anna\s+operator\s+no\s+active\s`).MatchString(out) {
		t.Errorf("users list: exit %d: %q %q; want anna operator active", code, out, errb)
	}
	for _, tc := range []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"bad role", pw, []string{"add", "boris", "-role", "root"}, exitUsage, "-role"},
		{"no role", pw, []string{"add", "boris"}, exitUsage, "-role"},
		{"duplicate name", pw, []string{"add", "anna", "-role", "admin"}, exitFail, "user anna already exists"},
		{"bad name", pw, []string{"add", "an na", "-role", "admin"}, exitUsage, "an na"},
		{"short password", "short\n", []string{"add", "boris", "-role", "admin"}, exitFail, "too short"},
		{"no password", "", []string{"add", "boris", "-role", "admin"}, exitFail, "empty"},
		{"unknown subcommand", "", []string{"remove", "anna"}, exitUsage, "remove"},
		{"role without add", "", []string{"disable", "anna", "-role", "admin"}, exitUsage, "-role"},
		{"no subcommand", "", nil, exitUsage, "subcommand"},
		{"disable unknown", "", []string{"disable", "nobody"}, exitFail, "no user nobody"},
		{"passwd unknown", pw, []string{"passwd", "nobody"}, exitFail, "no user nobody"},
		{"passwd", "another good password\n", []string{"passwd", "anna"}, exitOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"users"}, tc.args...), "-operator", "root", "-config", config)
			_, errb, code := runInput(t, tc.stdin, args...)
			if code != tc.wantCode || !strings.Contains(errb, tc.wantErr) {
				t.Errorf("users %s: exit %d, %q; want exit %d naming %q", strings.Join(tc.args, " "), code, errb, tc.wantCode, tc.wantErr)
			}
		})
	}
	if _, errb, code := run(t, "users", "disable", "anna", "-operator", "root", "-config", config); code != 0 {
		t.Fatalf("users disable anna: exit %d: %s", code, errb)
	}
	if _, errb, code := run(t, "users", "token", "anna", "-operator", "root", "-config", config); code != exitFail || !strings.Contains(errb, "user anna is disabled") {
		t.Errorf("users token of a disabled user: exit %d, %q", code, errb)
	}
	out, _, _ = run(t, "users", "list", "-json", "-config", config)
	var us []struct {
		Name     string `json:"name"`
		Role     string `json:"role"`
		Disabled bool   `json:"disabled"`
	}
	if err := json.Unmarshal([]byte(out), &us); err != nil || len(us) != 1 || us[0].Name != "anna" || !us[0].Disabled ||
		strings.Contains(out, "argon2") {
		t.Errorf("users list -json after disable = %s (%v); want anna disabled and no password hash", out, err)
	}
	out, _, _ = run(t, "users", "list", "-config", config)
	if !regexp.MustCompile(`(?m)^anna\s+operator\s+no\s+disabled\s`).MatchString(out) || strings.Contains(out, "boris") {
		t.Errorf("users list after disable:\n%s\nwant anna disabled and no boris", out)
	}
}

func TestUsersTOTPAndTokenSealed(t *testing.T) {
	config, db := usersConfig(t, true)
	if _, errb, code := runInput(t, "correct horse battery\n", "users", "add", "anna", "-role", "admin", "-operator", "root", "-config", config); code != 0 {
		t.Fatalf("users add: exit %d: %s", code, errb)
	}
	out, errb, code := run(t, "users", "totp", "anna", "-operator", "root", "-config", config)
	m := regexp.MustCompile(`otpauth://totp/ticketd:anna\?\S*secret=([A-Z2-7]+)`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "▀") {
		t.Fatalf("users totp: exit %d: %q %q; want an otpauth URI and a QR code", code, out, errb)
	}
	out, errb, code = run(t, "users", "token", "anna", "-operator", "root", "-config", config)
	token := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(token, "tkd_") {
		t.Fatalf("users token: exit %d: %q %q", code, out, errb)
	}
	var raw []byte
	for _, f := range []string{db, db + "-wal"} {
		b, _ := os.ReadFile(f)
		raw = append(raw, b...)
	}
	if bytes.Contains(raw, []byte(m[1])) {
		t.Errorf("the TOTP secret %s is readable in the database file", m[1])
	}
	if bytes.Contains(raw, []byte(token)) {
		t.Errorf("the API token is stored in plain")
	}
	out, _, _ = run(t, "users", "list", "-config", config)
	if !regexp.MustCompile(`(?m)^anna\s+admin\s+yes\s+active\s`).MatchString(out) {
		t.Errorf("users list after totp:\n%s", out)
	}
}
