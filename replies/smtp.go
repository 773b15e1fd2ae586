package replies

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
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
	Timeout  time.Duration // per network operation; 0 means 30 s
	// TLSConfig overrides certificate checks (tests); nil verifies the
	// server's certificate against the system roots.
	TLSConfig *tls.Config
}

// PermanentError is a refusal that retrying will not change: the server
// answered 5xx to the sender, the recipient or the data.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Session is one open connection to the mail server.
type Session struct {
	c       *gomail.Client
	smtp    *smtp.Client
	timeout time.Duration
}

// Dial connects and authenticates to the server.
func (s SMTP) Dial(ctx context.Context) (*Session, error) {
	host, portStr, err := net.SplitHostPort(s.Address)
	if err != nil {
		return nil, fmt.Errorf("replies: smtp address %q: %w", s.Address, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("replies: smtp address %q: bad port", s.Address)
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(timeout), gomail.WithHELO(helo())}
	switch s.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.TLSConfig != nil {
		cfg := s.TLSConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		opts = append(opts, gomail.WithTLSConfig(cfg))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("replies: smtp %s: %w", s.Address, err)
	}
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("replies: smtp %s: %w", s.Address, classify(err))
	}
	return &Session{c: c, smtp: sc, timeout: timeout}, nil
}

func helo() string {
	return "localhost"
}

// Send delivers one letter. It returns nil only after the server accepted the
// data (250); a *PermanentError when the server refused it for good.
func (s *Session) Send(from, to string, raw []byte) error {
	if err := s.smtp.UpdateDeadline(s.timeout); err != nil {
		return err
	}
	if err := s.smtp.Mail("<" + from + ">"); err != nil {
		s.smtp.Reset()
		return fmt.Errorf("MAIL FROM:<%s>: %w", from, classify(err))
	}
	if err := s.smtp.Rcpt("<" + to + ">"); err != nil {
		s.smtp.Reset()
		return fmt.Errorf("RCPT TO:<%s>: %w", to, classify(err))
	}
	w, err := s.smtp.Data()
	if err != nil {
		s.smtp.Reset()
		return fmt.Errorf("DATA: %w", classify(err))
	}
	if _, err := w.Write(raw); err != nil {
		w.Close()
		return fmt.Errorf("DATA: %w", classify(err))
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", classify(err))
	}
	return nil
}

// Close says QUIT and closes the connection.
func (s *Session) Close() error {
	return s.c.CloseWithSMTPClient(s.smtp)
}

func classify(err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 && tp.Code < 600 {
		return &PermanentError{Err: err}
	}
	return err
}
