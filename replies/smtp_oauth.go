package replies

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/textproto"
	"slices"

	"github.com/emersion/go-sasl"
	"github.com/wneessen/go-mail/smtp"
)

// TokenSource gives OAuth2 access tokens for the SMTP account. Token
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
var errNoTokenMechanism = errors.New("replies: smtp server offers neither AUTH OAUTHBEARER nor AUTH XOAUTH2")

// dialToken is Dial for an account with Tokens: it authenticates with a
// token, and when the server refuses it, tells the source, and dials once
// more with a new token. A second refusal is returned, a *PermanentError as
// a wrong password's is. Tokens never appear in the errors.
func (s SMTP) dialToken(ctx context.Context) (*Session, error) {
	var last error
	for range 2 {
		token, err := s.Tokens.Token(ctx)
		if err != nil {
			return nil, fmt.Errorf("replies: smtp %s: get oauth2 token: %w", s.Address, err)
		}
		if token == "" {
			return nil, fmt.Errorf("replies: smtp %s: get oauth2 token: the token source gave an empty token", s.Address)
		}
		auth := &tokenAuth{username: s.Username, token: token}
		sess, err := s.dial(ctx, auth)
		if err == nil {
			return sess, nil
		}
		if !auth.refused(err) {
			return nil, err
		}
		s.Tokens.Rejected(token)
		last = err
	}
	return nil, last
}

// tokenAuth is go-mail's smtp.Auth for OAUTHBEARER, or XOAUTH2 when the
// server offers only that. When the server refuses the token it sends a
// JSON challenge; the client answers it as the mechanism asks (RFC 7628
// section 3.2.3: %x01; XOAUTH2: an empty response) and the server ends the
// exchange with 535.
type tokenAuth struct {
	username, token string
	mech            string // forced in tests; "" picks from the server's list

	started bool   // AUTH was sent: a 5xx after it refuses the token
	refusal string // the status of the server's error challenge
}

// Start picks the mechanism and sends the initial response.
func (a *tokenAuth) Start(info *smtp.ServerInfo) (string, []byte, error) {
	mech := a.mech
	switch {
	case mech != "":
	case slices.Contains(info.Auth, mechOAuthBearer):
		mech = mechOAuthBearer
	case slices.Contains(info.Auth, mechXOAuth2):
		mech = mechXOAuth2
	default:
		return "", nil, &PermanentError{Err: errNoTokenMechanism}
	}
	a.mech, a.started = mech, true
	if mech == mechXOAuth2 {
		return mechXOAuth2, []byte("user=" + a.username + "\x01auth=Bearer " + a.token + "\x01\x01"), nil
	}
	_, ir, err := sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
		Username: a.username, Token: a.token, Host: info.Name,
	}).Start()
	return mechOAuthBearer, ir, err
}

// Next answers the server's error challenge; there is no other.
func (a *tokenAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	var e sasl.OAuthBearerError
	if json.Unmarshal(fromServer, &e) == nil {
		a.refusal = e.Status
	}
	if a.mech == mechXOAuth2 {
		return []byte{}, nil
	}
	return []byte{0x01}, nil
}

// refused reports whether err, from a dial with a, is the server's refusal
// of the token (a 5xx answer once AUTH was sent), not a broken connection.
func (a *tokenAuth) refused(err error) bool {
	var tp *textproto.Error
	return a.started && errors.As(err, &tp) && tp.Code >= 500 && tp.Code < 600
}
