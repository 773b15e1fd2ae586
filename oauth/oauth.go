// Package oauth gives ticketd's mailboxes and SMTP server their OAuth2
// access tokens (RFC 6749), for XOAUTH2 and OAUTHBEARER (RFC 7628) logins.
//
// An operator logs an account in once from a terminal ("ticketd oauth
// login"): Login runs the device authorization grant (RFC 8628) or the
// authorization code grant with PKCE (RFC 7636) and a loopback redirect
// (RFC 8252 section 7.3), and the refresh token it yields is kept in the
// store, sealed when the store has a key. The daemon then holds a Source
// per account: it hands out the access token from memory, refreshes it
// before it expires, one refresh at a time however many goroutines ask,
// and stores a rotated refresh token at once, before using the access
// token that came with it.
//
// A refresh that fails is loud, once per failure and not at each retry:
// an ERROR log line naming the account, an event in the store, and the
// Observer (metrics, /healthz, a letter to the staff). A later refresh
// that succeeds, or a new login, ends it with an INFO line.
//
// Departures from the RFCs: a token endpoint that answers a refresh
// without a refresh token leaves the old one in use (RFC 6749 section 6
// allows it); the access token's lifetime is taken from expires_in only.
package oauth

import (
	"context"
	"errors"
	"net/http"

	"golang.org/x/oauth2"
)

// Config is an OAuth2 client of one authorization server: the [imap],
// [[mailbox]] or [smtp] keys oauth_*.
type Config struct {
	// TokenURL is the token endpoint (oauth_token_url); required.
	TokenURL string
	// DeviceURL is the device authorization endpoint (oauth_device_url);
	// AuthURL the authorization endpoint (oauth_auth_url). A login needs
	// one of them; a refresh needs neither.
	DeviceURL string
	AuthURL   string
	// ClientID (oauth_client_id) is required; ClientSecret is "" for a
	// public client.
	ClientID     string
	ClientSecret string
	// Scopes are asked for at login (oauth_scopes); "offline_access" is
	// what most servers want for a refresh token.
	Scopes []string
}

// Sentinel errors.
var (
	// ErrLoginNeeded means the account has no usable refresh token: it
	// never logged in, or the server refused its refresh token
	// (invalid_grant). Only "ticketd oauth login" helps.
	ErrLoginNeeded = errors.New("oauth: login needed (ticketd oauth login)")
	// ErrRefresh means the last refresh failed for a reason that may pass
	// (the network, the server); it is tried again later.
	ErrRefresh = errors.New("oauth: refresh failed")
)

// oauth2Config is c as golang.org/x/oauth2 takes it. A confidential
// client authenticates with HTTP Basic, which RFC 6749 section 2.3.1
// requires of every server; a public client sends its client_id in the
// form. (Not detected: detection sends every failed request twice.)
func (c Config) oauth2Config() *oauth2.Config {
	style := oauth2.AuthStyleInHeader
	if c.ClientSecret == "" {
		style = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Scopes:       c.Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:       c.AuthURL,
			TokenURL:      c.TokenURL,
			DeviceAuthURL: c.DeviceURL,
			AuthStyle:     style,
		},
	}
}

// withClient returns ctx carrying client for golang.org/x/oauth2's
// requests; nil keeps its default.
func withClient(ctx context.Context, client *http.Client) context.Context {
	if client == nil {
		return ctx
	}
	return context.WithValue(ctx, oauth2.HTTPClient, client)
}
