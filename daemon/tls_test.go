package daemon

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/ticketd/ticketd/internal/memmail"
)

func TestMailboxTLSModes(t *testing.T) {
	cert, err := memmail.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		server int
		client string
		trust  bool
		ok     bool
	}{
		{"implicit TLS, trusted", memmail.Implicit, TLSImplicit, true, true},
		{"STARTTLS, trusted", memmail.StartTLS, TLSStartTLS, true, true},
		{"implicit TLS, unknown certificate", memmail.Implicit, TLSImplicit, false, false},
		{"STARTTLS, unknown certificate", memmail.StartTLS, TLSStartTLS, false, false},
		{"STARTTLS required, server has none", memmail.PlainText, TLSStartTLS, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			srv, err := memmail.StartIMAPTLS("support@example.gov", "pw", tt.server, &cert)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			srv.Append("INBOX", letter("a@example.ru", "Вопрос", "t1@x", "Текст"))
			f.d.Mailbox.Address, f.d.Mailbox.TLS = srv.Addr, tt.client
			f.d.Mailbox.TLSConfig = &tls.Config{ServerName: "127.0.0.1", RootCAs: x509.NewCertPool()}
			if tt.trust {
				f.d.Mailbox.TLSConfig.RootCAs = cert.Pool
			}
			n, err := f.d.Poll(context.Background())
			if tt.ok && (err != nil || n != 1) {
				t.Errorf("Poll = %d, %v; want the letter", n, err)
			}
			var uerr x509.UnknownAuthorityError
			if !tt.ok && (err == nil || n != 0) {
				t.Errorf("Poll = %d, %v; want a refusal", n, err)
			}
			if !tt.ok && tt.server != memmail.PlainText && !errors.As(err, &uerr) {
				t.Errorf("Poll error = %v, want the unknown certificate named", err)
			}
		})
	}
}
