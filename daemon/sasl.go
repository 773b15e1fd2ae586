package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// TokenSource gives OAuth2 access tokens for one mailbox account. Token
// returns a token valid now, refreshing it when it must; Rejected tells the
// source that the server refused token, so that the next Token call gets a
// new one rather than the same. The oauth package's Source is one.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
	Rejected(token string)
}

// SASL mechanisms that carry an OAuth2 bearer token.
const (
	mechOAuthBearer = sasl.OAuthBearer // RFC 7628
	mechXOAuth2     = "XOAUTH2"        // Google's and Microsoft's older one
)

// errNoTokenMechanism is a server that offers neither OAUTHBEARER nor XOAUTH2.
var errNoTokenMechanism = errors.New("server offers neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2")

// tokenMechanism picks the mechanism to log in with: OAUTHBEARER when the
// server offers it, else XOAUTH2.
func tokenMechanism(caps imap.CapSet) (string, error) {
	switch {
	case caps.Has(imap.AuthCap(mechOAuthBearer)):
		return mechOAuthBearer, nil
	case caps.Has(imap.AuthCap(mechXOAuth2)):
		return mechXOAuth2, nil
	}
	return "", errNoTokenMechanism
}

// tokenClient is a SASL client for OAUTHBEARER or XOAUTH2. When the server
// refuses the token it sends a JSON challenge; the client answers it with
// the dummy response %x01 (RFC 7628 section 3.2.3), so that the server ends
// the exchange with NO and the connection stays usable for another attempt.
//
// QUIRK: XOAUTH2 (Google's description) asks for an empty response there,
// but go-imap sends an empty response as "=", which Dovecot 2.3 answers
// with BAD (invalid base64); servers take any response, so %x01 it is.
type tokenClient struct {
	mech     string
	username string
	token    string
	host     string
	port     int
	// refusal is the status of the server's error challenge (e.g.
	// "invalid_token"); it names no secret.
	refusal string
}

// newTokenClient returns the client for mech, logging in to the server at
// addr (host:port) as username with token.
func newTokenClient(mech, addr, username, token string) *tokenClient {
	c := &tokenClient{mech: mech, username: username, token: token}
	if host, port, err := net.SplitHostPort(addr); err == nil {
		c.host = host
		c.port, _ = strconv.Atoi(port)
	}
	return c
}

// Start sends the initial response.
func (c *tokenClient) Start() (string, []byte, error) {
	if c.mech == mechXOAuth2 {
		return mechXOAuth2, []byte("user=" + c.username + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
	}
	return sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
		Username: c.username, Token: c.token, Host: c.host, Port: c.port,
	}).Start()
}

// Next answers the server's error challenge; there is no other.
func (c *tokenClient) Next(challenge []byte) ([]byte, error) {
	var e sasl.OAuthBearerError
	if err := json.Unmarshal(challenge, &e); err == nil {
		c.refusal = e.Status
	}
	return []byte{0x01}, nil
}

// refused reports whether err is the server's refusal of a login (NO), as
// opposed to a broken connection.
func refused(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo
}

// tokenLogin logs c in with a token from m.Tokens. A refused token is
// reported to the source with Rejected and the login tried once more with a
// new token, on the same connection; a second refusal, also reported, is a
// PermanentError, as a wrong password is. An error from Token is returned
// wrapped, as it is: the source reports its own failures. Tokens never
// appear in the errors.
func (m Mailbox) tokenLogin(ctx context.Context, c *imapclient.Client) error {
	caps := c.Caps()
	if caps == nil {
		return errors.New("no capabilities: the connection failed")
	}
	mech, err := tokenMechanism(caps)
	if err != nil {
		return &PermanentError{Err: err}
	}
	var last error
	for attempt := range 2 {
		token, err := m.Tokens.Token(ctx)
		if err != nil {
			return tokenError{fmt.Errorf("get oauth2 token: %w", err)}
		}
		if token == "" {
			return errors.New("get oauth2 token: the token source gave an empty token")
		}
		sc := newTokenClient(mech, m.Address, m.Username, token)
		err = c.Authenticate(sc)
		if err == nil {
			return nil
		}
		if !refused(err) {
			return fmt.Errorf("authenticate %s: %w", mech, err)
		}
		m.Tokens.Rejected(token)
		last = fmt.Errorf("authenticate %s: token refused (attempt %d, %s): %w",
			mech, attempt+1, orUnknown(sc.refusal), err)
	}
	return &PermanentError{Err: last}
}

// orUnknown is s, or "no reason given".
func orUnknown(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}

// tokenError is a failure of the mailbox's TokenSource: the source has
// said so loudly itself (log, event, metric, /healthz, notice), so the
// mailbox loop only says it waits for it, without asking the server.
type tokenError struct{ err error }

func (e tokenError) Error() string { return e.err.Error() }
func (e tokenError) Unwrap() error { return e.err }
