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
	Address   string // host:port
	TLS       string // TLSNone, TLSStartTLS or TLSImplicit
	Username  string
	Password  string
	Name      string // mailbox to read, e.g. INBOX
	Processed string // mailbox to move processed letters to; "" marks them \Seen
	Timeout   time.Duration
	// TLSConfig overrides certificate checks (tests); nil verifies the
	// server's certificate against the system roots.
	TLSConfig *tls.Config
}

// PermanentError is a failure that waiting will not mend: a refused login, a
// missing mailbox. The daemon keeps retrying, slowly, and logs it as an error
// an administrator must act on.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// dial connects and logs in. updates, when not nil, is signalled whenever
// the server reports new mail in the selected mailbox (EXISTS).
func (m Mailbox) dial(updates chan<- struct{}) (*imapclient.Client, error) {
	opts := &imapclient.Options{
		TLSConfig: m.TLSConfig,
		Dialer:    &net.Dialer{Timeout: m.Timeout},
	}
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
	var (
		c   *imapclient.Client
		err error
	)
	switch m.TLS {
	case TLSImplicit:
		c, err = imapclient.DialTLS(m.Address, opts)
	case TLSStartTLS:
		c, err = imapclient.DialStartTLS(m.Address, opts)
	default:
		c, err = imapclient.DialInsecure(m.Address, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", m.Address, err)
	}
	if err := c.Login(m.Username, m.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("log in to %s as %s: %w", m.Address, m.Username, permanent(err))
	}
	return c, nil
}

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

// watchdog closes c when ctx is done or when d passes, so that a stuck
// server cannot hold the daemon: go-imap commands take no context.
func watchdog(ctx context.Context, c *imapclient.Client, d time.Duration) (stop func()) {
	ctx, cancel := context.WithTimeout(ctx, d)
	after := context.AfterFunc(ctx, func() { c.Close() })
	return func() { after(); cancel() }
}
