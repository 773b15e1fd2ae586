package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const oauthMailboxes = `
[imap]
address = "imap.example.org:993"
auth = "oauth2"
oauth_token_url = "https://login.example.org/token"
oauth_device_url = "https://login.example.org/devicecode"
oauth_client_id = "ticketd"
oauth_scopes = ["IMAP.AccessAsUser.All", "offline_access"]
[smtp]
address = "smtp.example.org:587"
from = "Support <support@example.org>"
auth = "oauth2"
oauth_token_url = "http://127.0.0.1:9/token"
oauth_client_id = "ticketd-smtp"

[[mailbox]]
name = "general"
username = "general@example.org"

[[mailbox]]
name = "access"
username = "access@example.org"
oauth_client_id = "other"

[[mailbox]]
name = "legacy"
username = "legacy@example.org"
auth = "password"
`

func TestOAuthConfig(t *testing.T) {
	t.Setenv(clientSecretEnv, "s3cret")
	cfg, err := LoadConfig(writeConfig(t, oauthMailboxes))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	got := cfg.oauthAccounts(PartAll)
	var names []string
	for _, a := range got {
		names = append(names, a.Name+" "+a.Section+" "+a.Client.ClientID)
	}
	want := []string{"imap:general mailbox[1] ticketd", "imap:access mailbox[2] other", "smtp smtp ticketd-smtp"}
	if !slices.Equal(names, want) {
		t.Fatalf("oauthAccounts = %q, want %q", names, want)
	}
	g := got[0].Client
	if g.TokenURL != "https://login.example.org/token" || g.DeviceURL == "" || len(g.Scopes) != 2 || g.ClientSecret != "s3cret" {
		t.Errorf("general's client = %+v, want [imap]'s keys and the secret from the environment", g)
	}
	if n := len(cfg.oauthAccounts(PartMailbox)); n != 2 {
		t.Errorf("oauthAccounts(PartMailbox) = %d accounts, want 2", n)
	}
}

func TestOAuthConfigSingleMailboxAndSecretFile(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(writeConfig(t, `
[imap]
address = "imap.example.org:993"
username = "support@example.org"
auth = "oauth2"
oauth_token_url = "https://login.example.org/token"
oauth_client_id = "ticketd"
oauth_client_secret_file = "`+secret+`"
[smtp]
address = "smtp.example.org:587"
from = "support@example.org"
`))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	got := cfg.oauthAccounts(PartAll)
	if len(got) != 1 || got[0].Name != "imap:INBOX" || got[0].Mailbox != "INBOX" || got[0].Client.ClientSecret != "from-file" {
		t.Errorf("oauthAccounts = %+v, want imap:INBOX with the secret of the file", got)
	}
}

func TestOAuthConfigErrors(t *testing.T) {
	base := `
[imap]
address = "imap.example.org:993"
username = "support@example.org"
%IMAP%
[smtp]
address = "smtp.example.org:587"
from = "support@example.org"
%SMTP%
%MAILBOX%
`
	for _, tt := range []struct {
		name, imap, smtp, mailbox, key string
	}{
		{"unknown auth", `auth = "xoauth"`, "", "", "imap.auth"},
		{"no token url", `auth = "oauth2"
oauth_client_id = "x"`, "", "", "imap.oauth_token_url"},
		{"plain http elsewhere", `auth = "oauth2"
oauth_token_url = "http://login.example.org/token"
oauth_client_id = "x"`, "", "", "imap.oauth_token_url"},
		{"secret in the url", `auth = "oauth2"
oauth_token_url = "https://id:secret@login.example.org/token"
oauth_client_id = "x"`, "", "", "imap.oauth_token_url"},
		{"no client id", `auth = "oauth2"
oauth_token_url = "https://login.example.org/token"`, "", "", "imap.oauth_client_id"},
		{"bad device url", `auth = "oauth2"
oauth_token_url = "https://login.example.org/token"
oauth_device_url = "ftp://x/y"
oauth_client_id = "x"`, "", "", "imap.oauth_device_url"},
		{"smtp without client id", "", `auth = "oauth2"
oauth_token_url = "https://login.example.org/token"`, "", "smtp.oauth_client_id"},
		{"mailbox inherits auth, lacks url", `auth = "oauth2"
oauth_client_id = "x"`, "", `[[mailbox]]
name = "general"
username = "g@example.org"
[[mailbox]]
name = "access"
username = "a@example.org"`, "mailbox[1].oauth_token_url"},
		{"mailbox scope with a space", `auth = "oauth2"
oauth_token_url = "https://login.example.org/token"
oauth_client_id = "x"`, "", `[[mailbox]]
name = "general"
username = "g@example.org"
oauth_scopes = ["a b"]`, "mailbox[1].oauth_scopes[1]"},
		{"missing secret file", `auth = "oauth2"
oauth_token_url = "https://login.example.org/token"
oauth_client_id = "x"
oauth_client_secret_file = "/nonexistent/secret"`, "", "", "imap.oauth_client_secret_file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.NewReplacer("%IMAP%", tt.imap, "%SMTP%", tt.smtp, "%MAILBOX%", tt.mailbox).Replace(base)
			_, err := LoadConfig(writeConfig(t, body))
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key != tt.key {
				t.Errorf("LoadConfig = %v, want an error naming %s", err, tt.key)
			}
		})
	}
}
