package replies

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes for a mail server connection.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// SMTP is how to reach the outgoing mail server.
type SMTP struct {
	Address  string // host:port
	TLS      string // TLSNone, TLSStartTLS or TLSImplicit
	Username string // empty: no authentication
	Password string
	HELO     string // our name in EHLO/HELO; empty means "localhost"
	// Tokens, when set, authenticates Username with OAuth2 access tokens
	// from it (SASL OAUTHBEARER, or XOAUTH2 when the server offers only
	// that), one fetched for each connection, instead of Password; see
	// TokenSource.
	Tokens TokenSource
	// Timeout bounds every exchange with the server; 0 means 30 s. The
	// connection (with the TLS handshake of implicit TLS) and the greeting
	// get a timeout each, EHLO, STARTTLS and AUTH another together, and
	// every command of a letter one for its whole reply, however many
	// lines it has, so a server that answers one byte at a time is cut off
	// like a silent one. The letter's data is bounded by progress instead:
	// each 4 KiB must go within the timeout, so a large letter on a slow
	// but live link is not cut off.
	Timeout time.Duration
	// TLSConfig overrides certificate checks (tests); nil verifies the
	// server's certificate against the system roots.
	TLSConfig *tls.Config
}

// PermanentError is a refusal that retrying will not change: the server
// answered 5xx to the sender, the recipient or the data.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Dial connects and authenticates to the server. Until the session is open
// the connection is closed when ctx ends, so a shutdown does not wait out a
// silent server.
func (s SMTP) Dial(ctx context.Context) (*Session, error) {
	if s.Tokens != nil {
		return s.dialToken(ctx)
	}
	return s.dial(ctx, nil)
}

// dial is Dial with a token's authentication when auth is not nil.
func (s SMTP) dial(ctx context.Context, auth *tokenAuth) (*Session, error) {
	host, portStr, err := net.SplitHostPort(s.Address)
	if err != nil {
		return nil, fmt.Errorf("replies: smtp address %q: %w", s.Address, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("replies: smtp address %q: bad port", s.Address)
	}
	timeout := s.timeout()
	cfg := &tls.Config{}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	conn := &dialed{}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(timeout), gomail.WithHELO(s.helo()),
		gomail.WithTLSConfig(cfg), gomail.WithDialContextFunc(conn.dial(s.TLS == TLSImplicit, cfg))}
	switch s.TLS {
	case TLSImplicit:
		// QUIRK: go-mail counts a connection as encrypted, which decides
		// the AUTH mechanisms it may pick, only when it made the TLS itself
		// or after STARTTLS; with our dialer it made neither. Under
		// TLSOpportunistic it reads the state off the *tls.Conn instead,
		// and tries no STARTTLS, which a server must not offer inside TLS
		// (RFC 3207 section 4.2).
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	switch {
	case auth != nil:
		opts = append(opts, gomail.WithSMTPAuthCustom(auth))
	case s.Username != "":
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("replies: smtp %s: %w", s.Address, err)
	}
	stop := context.AfterFunc(ctx, conn.close)
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if !stop() && err == nil {
		err = ctx.Err() // ended as the session opened: conn is closed
	}
	if err != nil {
		// go-mail leaves the connection open when the handshake fails.
		conn.close()
		return nil, fmt.Errorf("replies: smtp %s: %w", s.Address, conn.explain(classify(err), timeout))
	}
	return &Session{smtp: sc, conn: conn, timeout: timeout}, nil
}

func (s SMTP) helo() string {
	if s.HELO != "" {
		return s.HELO
	}
	return "localhost"
}

func (s SMTP) timeout() time.Duration { return orDefault(s.Timeout, DefaultTimeout) }

// dialed is the connection Dial opens, kept so that it can be closed
// whatever go-mail does with it, and watched for deadlines that pass.
type dialed struct {
	mu      sync.Mutex
	c       net.Conn
	expired atomic.Bool // a read or write hit its deadline
}

// watched notes in d when a read or write on it hits its deadline:
// textproto reports a reply cut off mid-line as a "short response", not as
// the timeout it was.
type watched struct {
	net.Conn
	d *dialed
}

func (c watched) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.d.note(err)
	return n, err
}

func (c watched) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.d.note(err)
	return n, err
}

func (d *dialed) note(err error) {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		d.expired.Store(true)
	}
}

// explain names a passed deadline as the server's silence.
func (d *dialed) explain(err error, timeout time.Duration) error {
	if err != nil && (d.expired.Load() || errors.Is(err, os.ErrDeadlineExceeded)) {
		return fmt.Errorf("no answer within %v (smtp timeout): %w", timeout, err)
	}
	return err
}

// sendBuffer is the socket's send buffer. Bytes in the kernel's buffer
// count as sent, so the bounds on a letter's data and on the reply after it
// mean what they say only if the buffer is small: with Linux's default,
// which grows to 4 MiB, a letter of a few MiB is "written" at once, and the
// server's final reply then waits for all of it to cross a slow link. 128
// KiB still lets a letter go at 2.5 MB/s over a 50 ms round trip.
const sendBuffer = 128 << 10

// dial returns go-mail's dialer: TCP, then the TLS handshake when
// implicit, both within the deadline of go-mail's ctx.
func (d *dialed) dial(implicit bool, cfg *tls.Config) gomail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetWriteBuffer(sendBuffer)
		}
		c = watched{Conn: c, d: d}
		if implicit {
			tc := tls.Client(c, cfg)
			if err := tc.HandshakeContext(ctx); err != nil {
				c.Close()
				return nil, err
			}
			c = tc
		}
		d.mu.Lock()
		d.c = c
		d.mu.Unlock()
		return c, nil
	}
}

func (d *dialed) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.c != nil {
		d.c.Close()
	}
}

// classify marks the server's 5xx refusals as permanent.
func classify(err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 && tp.Code < 600 {
		return &PermanentError{Err: err}
	}
	return err
}
