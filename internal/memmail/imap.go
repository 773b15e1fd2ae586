// Package memmail runs in-process mail servers on loopback: an IMAP server
// (go-imap's imapmemserver) and an SMTP sink (go-smtp) that records what it
// is sent. The demo and fast unit tests use them; the end-to-end tests use a
// real Dovecot and Mailpit instead (package mailtest). A Proxy in front of
// either, or of nothing, plays a stuck server or a slow link.
package memmail

import (
	"bytes"
	"errors"
	"fmt"
	"net"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// IMAP is a running in-memory IMAP server with one user.
type IMAP struct {
	Addr     string // 127.0.0.1:port
	Username string
	Password string

	user *imapmemserver.User
	srv  *imapserver.Server
	ln   net.Listener
}

// StartIMAP starts a plain-text server on a free loopback port with one
// user whose INBOX is empty.
func StartIMAP(username, password string) (*IMAP, error) {
	return StartIMAPTLS(username, password, PlainText, nil)
}

// StartIMAPTLS is StartIMAP offering TLS in the given mode (PlainText,
// StartTLS or Implicit) with cert.
func StartIMAPTLS(username, password string, mode int, cert *Certificate) (*IMAP, error) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(username, password)
	if err := user.Create("INBOX", nil); err != nil {
		return nil, fmt.Errorf("memmail: create INBOX: %w", err)
	}
	mem.AddUser(user)
	ln, starttls, err := listen(mode, cert)
	if err != nil {
		return nil, err
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		InsecureAuth: mode == PlainText,
		TLSConfig:    starttls,
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
	})
	go srv.Serve(ln)
	return &IMAP{Addr: ln.Addr().String(), Username: username, Password: password, user: user, srv: srv, ln: ln}, nil
}

// Append adds a letter to mailbox, creating the mailbox if needed.
func (s *IMAP) Append(mailbox string, raw []byte) error {
	if _, err := s.user.Status(mailbox, &imap.StatusOptions{}); err != nil {
		if err := s.user.Create(mailbox, nil); err != nil {
			return fmt.Errorf("memmail: create %s: %w", mailbox, err)
		}
	}
	_, err := s.user.Append(mailbox, literal{bytes.NewReader(raw)}, &imap.AppendOptions{})
	if err != nil {
		return fmt.Errorf("memmail: append to %s: %w", mailbox, err)
	}
	return nil
}

// Close stops the server.
func (s *IMAP) Close() error {
	s.ln.Close() // Serve may not have taken the listener yet
	err := s.srv.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

// Recreate deletes mailbox and creates it again, empty, with a new
// UIDVALIDITY, as a server does after its index is rebuilt.
func (s *IMAP) Recreate(mailbox string) error {
	if err := s.user.Delete(mailbox); err != nil {
		return fmt.Errorf("memmail: delete %s: %w", mailbox, err)
	}
	if err := s.user.Create(mailbox, nil); err != nil {
		return fmt.Errorf("memmail: create %s: %w", mailbox, err)
	}
	return nil
}
