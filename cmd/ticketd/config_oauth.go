package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/ticketd/ticketd/oauth"
)

// OAuthConfig is the keys of an account that logs in with an OAuth2
// access token instead of a password (auth = "oauth2"). [imap], each
// [[mailbox]] and [smtp] have them; a [[mailbox]] takes [imap]'s for the
// keys it leaves out.
type OAuthConfig struct {
	Auth             string   `toml:"auth"`                     // "password" (default) or "oauth2"
	TokenURL         string   `toml:"oauth_token_url"`          // required with oauth2
	DeviceURL        string   `toml:"oauth_device_url"`         // the device-code login
	AuthURL          string   `toml:"oauth_auth_url"`           // the authorization-code login
	ClientID         string   `toml:"oauth_client_id"`          // required with oauth2
	ClientSecretFile string   `toml:"oauth_client_secret_file"` // else TICKETD_OAUTH_CLIENT_SECRET; public clients have none
	Scopes           []string `toml:"oauth_scopes"`

	// ClientSecret is read from ClientSecretFile or the environment by
	// LoadConfig.
	ClientSecret string `toml:"-"`
}

// Values of auth.
const (
	authPassword = "password"
	authOAuth2   = "oauth2"
)

// clientSecretEnv names the environment variable of the client secret
// when no oauth_client_secret_file is set.
const clientSecretEnv = "TICKETD_OAUTH_CLIENT_SECRET"

// inherit returns o with the keys it leaves out taken from def.
func (o OAuthConfig) inherit(def OAuthConfig) OAuthConfig {
	o.Auth = or(o.Auth, def.Auth)
	o.TokenURL = or(o.TokenURL, def.TokenURL)
	o.DeviceURL = or(o.DeviceURL, def.DeviceURL)
	o.AuthURL = or(o.AuthURL, def.AuthURL)
	o.ClientID = or(o.ClientID, def.ClientID)
	if o.ClientSecretFile == "" {
		o.ClientSecretFile, o.ClientSecret = def.ClientSecretFile, def.ClientSecret
	}
	if o.Scopes == nil {
		o.Scopes = def.Scopes
	}
	return o
}

// client is the OAuth2 client these keys describe.
func (o OAuthConfig) client() oauth.Config {
	return oauth.Config{TokenURL: o.TokenURL, DeviceURL: o.DeviceURL, AuthURL: o.AuthURL,
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, Scopes: o.Scopes}
}

// oauthAccount is an account that logs in with OAuth2: a mailbox or the
// SMTP server.
type oauthAccount struct {
	Name    string // in the store: "imap:<mailbox key>" or "smtp"
	Mailbox string // the mailbox's key; "" for the SMTP server
	Section string // "imap", "mailbox[2]" or "smtp", for errors
	Client  oauth.Config
}

// imapAccount is the store's name of the token of the mailbox whose key
// (its [[mailbox]] name, or [imap] mailbox) is key.
func imapAccount(key string) string { return "imap:" + key }

// smtpAccount is the store's name of the SMTP server's token.
const smtpAccount = "smtp"

// oauthAccounts are the accounts of the parts in need that log in with
// OAuth2, mailboxes first in the order of cfg.mailboxes(). Valid after
// LoadConfig.
func (c *Config) oauthAccounts(need Part) []oauthAccount {
	var out []oauthAccount
	if need&PartMailbox != 0 {
		for i, mb := range c.mailboxes() {
			o := c.IMAP.OAuthConfig
			if len(c.Mailboxes) > 0 {
				o = c.Mailboxes[i].OAuthConfig.inherit(c.IMAP.OAuthConfig)
			}
			if o.Auth == authOAuth2 {
				out = append(out, oauthAccount{Name: imapAccount(mb.Key), Mailbox: mb.Key, Section: mb.section, Client: o.client()})
			}
		}
	}
	if need&PartSMTP != 0 && c.SMTP.Auth == authOAuth2 {
		out = append(out, oauthAccount{Name: smtpAccount, Section: "smtp", Client: c.SMTP.OAuthConfig.client()})
	}
	return out
}

// checkOAuth validates the OAuth2 keys of the parts in need, naming the
// key of a mistake (imap.oauth_token_url, mailbox[2].oauth_client_id), and
// reads the client secrets.
func (c *Config) checkOAuth(path string, need Part) error {
	type section struct {
		name string
		o    *OAuthConfig
		def  *OAuthConfig // inherited from; nil: none
	}
	var sections []section
	if need&PartMailbox != 0 {
		sections = append(sections, section{"imap", &c.IMAP.OAuthConfig, nil})
		for i := range c.Mailboxes {
			sections = append(sections, section{fmt.Sprintf("mailbox[%d]", i+1), &c.Mailboxes[i].OAuthConfig, &c.IMAP.OAuthConfig})
		}
	}
	if need&PartSMTP != 0 {
		sections = append(sections, section{"smtp", &c.SMTP.OAuthConfig, nil})
	}
	for _, s := range sections {
		bad := func(key, problem string) error {
			return &ConfigError{File: path, Key: s.name + "." + key, Problem: problem}
		}
		o := *s.o
		if s.def != nil {
			o = o.inherit(*s.def)
		}
		if o.Auth != "" && o.Auth != authPassword && o.Auth != authOAuth2 {
			return bad("auth", `want "password" or "oauth2"`)
		}
		if s.o.ClientSecretFile != "" {
			b, err := os.ReadFile(s.o.ClientSecretFile)
			if err != nil {
				return bad("oauth_client_secret_file", err.Error())
			}
			s.o.ClientSecret = strings.TrimSpace(string(b))
		} else if v, ok := os.LookupEnv(clientSecretEnv); ok {
			s.o.ClientSecret = v
		}
		if o.Auth != authOAuth2 || s.name == "imap" && len(c.Mailboxes) > 0 {
			continue // [imap] only gives defaults to the [[mailbox]] sections
		}
		switch {
		case o.TokenURL == "":
			return bad("oauth_token_url", `required with auth = "oauth2", e.g. "https://login.example.org/oauth2/token"`)
		case !endpointURL(o.TokenURL):
			return bad("oauth_token_url", "want an https:// URL (http:// only to this machine)")
		case o.DeviceURL != "" && !endpointURL(o.DeviceURL):
			return bad("oauth_device_url", "want an https:// URL (http:// only to this machine)")
		case o.AuthURL != "" && !endpointURL(o.AuthURL):
			return bad("oauth_auth_url", "want an https:// URL (http:// only to this machine)")
		case o.ClientID == "":
			return bad("oauth_client_id", `required with auth = "oauth2"`)
		}
		for i, sc := range o.Scopes {
			if sc == "" || strings.ContainsAny(sc, " \t\r\n\"\\") {
				return bad(fmt.Sprintf("oauth_scopes[%d]", i+1), "want a scope without spaces or quotes")
			}
		}
	}
	return nil
}

// endpointURL reports whether s is fit for an OAuth2 endpoint: https, or
// http to the loopback interface (a test server, a local proxy); never
// with a password or secret in it.
func endpointURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		ip := net.ParseIP(h)
		return h == "localhost" || ip != nil && ip.IsLoopback()
	}
	return false
}
