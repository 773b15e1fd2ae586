package memmail

import (
	"errors"
	"io"
	"net"
	"sync"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Delivery is a letter the SMTP sink accepted.
type Delivery struct {
	From string
	To   []string
	Raw  []byte
}

// SMTP is a running SMTP sink that accepts every letter and remembers it.
type SMTP struct {
	Addr string // 127.0.0.1:port

	srv      *smtp.Server
	ln       net.Listener
	mu       sync.Mutex
	got      []Delivery
	refuse   func(rcpt string) error
	user     string // when set, AUTH PLAIN as user with pass is required
	pass     string
	hostname string // the client's name in its last EHLO or HELO
}

// RequireAuth makes the sink offer AUTH PLAIN and refuse letters from
// clients that have not authenticated as username with password. Like real
// servers it offers AUTH only over TLS, unless it runs in plain text.
func (s *SMTP) RequireAuth(username, password string) {
	s.mu.Lock()
	s.user, s.pass = username, password
	s.mu.Unlock()
}

// Hostname returns the name the last client gave in EHLO or HELO.
func (s *SMTP) Hostname() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hostname
}

// Refuse makes the sink answer RCPT TO with the error f returns (nil
// accepts); an *smtp.SMTPError carries its code to the client.
func (s *SMTP) Refuse(f func(rcpt string) error) {
	s.mu.Lock()
	s.refuse = f
	s.mu.Unlock()
}

// StartSMTP starts a plain-text sink on a free loopback port.
func StartSMTP() (*SMTP, error) { return StartSMTPTLS(PlainText, nil) }

// StartSMTPTLS is StartSMTP offering TLS in the given mode (PlainText,
// StartTLS or Implicit) with cert.
func StartSMTPTLS(mode int, cert *Certificate) (*SMTP, error) {
	s := &SMTP{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.hostname = c.Hostname()
		s.mu.Unlock()
		return &session{sink: s}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = mode == PlainText
	srv.ErrorLog = nopLogger{}
	ln, starttls, err := listen(mode, cert)
	if err != nil {
		return nil, err
	}
	srv.TLSConfig = starttls
	s.Addr, s.srv, s.ln = ln.Addr().String(), srv, ln
	go srv.Serve(ln)
	return s, nil
}

// Deliveries returns what the sink has accepted, in order.
func (s *SMTP) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.got...)
}

// Close stops the sink.
func (s *SMTP) Close() error {
	s.ln.Close() // Serve may not have taken the listener yet
	return s.srv.Close()
}

type session struct {
	sink   *SMTP
	cur    Delivery
	authed bool
}

func (s *session) Reset()        { s.cur = Delivery{} }
func (s *session) Logout() error { return nil }

func (s *session) AuthMechanisms() []string {
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	if s.sink.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		s.sink.mu.Lock()
		defer s.sink.mu.Unlock()
		if username != s.sink.user || password != s.sink.pass {
			return errors.New("memmail: invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.sink.mu.Lock()
	required := s.sink.user != ""
	s.sink.mu.Unlock()
	if required && !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	s.cur.From = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.sink.mu.Lock()
	refuse := s.sink.refuse
	s.sink.mu.Unlock()
	if refuse != nil {
		if err := refuse(to); err != nil {
			return err
		}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Raw = b
	s.sink.mu.Lock()
	s.sink.got = append(s.sink.got, s.cur)
	s.sink.mu.Unlock()
	return nil
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}
