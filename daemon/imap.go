package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TLS modes for the IMAP connection.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// Mailbox is the IMAP mailbox ticketd watches.
type Mailbox struct {
	Address  string // host:port
	TLS      string // TLSNone, TLSStartTLS or TLSImplicit
	Username string
	Password string
	// Tokens, when set, logs in with OAuth2 access tokens from it (SASL
	// OAUTHBEARER, or XOAUTH2 when the server offers only that) instead of
	// Password; see TokenSource.
	Tokens TokenSource
	Name   string // mailbox to read, e.g. INBOX
	// Key names the mailbox in the store (its watermark, its tickets, its
	// lease), in logs and metrics: a [[mailbox]] section's name. "" is
	// Name, as the single [imap] has always been kept.
	Key       string
	Processed string // mailbox to move processed letters to; "" marks them \Seen
	// Timeout bounds the server's silence: the dial, the greeting, each
	// read while a reply is due and each write (see watchedConn); 0 means
	// one minute.
	Timeout time.Duration
	// TLSConfig overrides certificate checks (tests); nil verifies the
	// server's certificate against the system roots.
	TLSConfig *tls.Config
}

// key is the mailbox's name in the store and in logs: Key, or Name.
func (m Mailbox) key() string {
	if m.Key != "" {
		return m.Key
	}
	return m.Name
}

// PermanentError is a failure that waiting will not mend: a refused login, a
// missing mailbox. The daemon keeps retrying, slowly, and logs it as an error
// an administrator must act on.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// dial connects, logs in and returns the session, its mailbox not yet
// selected. The connection is closed when ctx is done, which ends any
// command in flight, and every exchange is bounded by m.Timeout (see
// watchedConn). updates, when not nil, is signalled whenever the server
// reports new mail in the selected mailbox (EXISTS).
func (m Mailbox) dial(ctx context.Context, updates chan<- struct{}) (*session, error) {
	raw, err := (&net.Dialer{Timeout: m.timeout()}).DialContext(ctx, "tcp", m.Address)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", m.Address, err)
	}
	conn := newWatchedConn(raw, m.timeout())
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	c, err := m.greet(conn, updates)
	if err != nil {
		stop()
		conn.Close()
		return nil, fmt.Errorf("connect to %s: %w", m.Address, err)
	}
	s := &session{c: c, conn: conn, stopClose: stop}
	if err := m.login(ctx, c); err != nil {
		s.close()
		return nil, fmt.Errorf("log in to %s as %s: %w", m.Address, m.Username, err)
	}
	conn.rest()
	return s, nil
}

// login logs c in with a token when m.Tokens is set, else with the
// password; a refusal is a PermanentError.
func (m Mailbox) login(ctx context.Context, c *imapclient.Client) error {
	if m.Tokens != nil {
		return m.tokenLogin(ctx, c)
	}
	return permanent(c.Login(m.Username, m.Password).Wait())
}

// greet speaks TLS over conn as m.TLS asks and waits for the server's
// greeting.
func (m Mailbox) greet(conn net.Conn, updates chan<- struct{}) (*imapclient.Client, error) {
	opts := &imapclient.Options{TLSConfig: m.tlsConfig()}
	if updates != nil {
		opts.UnilateralDataHandler = &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case updates <- struct{}{}:
					default:
					}
				}
			},
		}
	}
	switch m.TLS {
	case TLSStartTLS:
		return imapclient.NewStartTLS(conn, opts)
	case TLSImplicit:
		cfg := opts.TLSConfig
		if cfg.NextProtos == nil {
			cfg.NextProtos = []string{"imap"}
		}
		tc := tls.Client(conn, cfg)
		// Here, not on the first read, so that a certificate refused is
		// returned as itself.
		if err := tc.Handshake(); err != nil {
			return nil, err
		}
		conn = tc
	}
	c := imapclient.New(conn, opts)
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// tlsConfig is m.TLSConfig, or the defaults, naming the server to verify.
func (m Mailbox) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if m.TLSConfig != nil {
		cfg = m.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(m.Address)
	}
	return cfg
}

// timeout is m.Timeout, or DefaultTimeout when unset.
func (m Mailbox) timeout() time.Duration { return orDefault(m.Timeout, DefaultTimeout) }

// permanent marks IMAP refusals that retrying will not change.
func permanent(err error) error {
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
		switch ie.Code {
		case imap.ResponseCodeAuthenticationFailed, imap.ResponseCodeAuthorizationFailed,
			imap.ResponseCodeNonExistent, imap.ResponseCodeNoPerm, "":
			return &PermanentError{Err: err}
		}
	}
	return err
}
