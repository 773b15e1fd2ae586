package replies

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/ticketd/ticketd/internal/memmail"
)

func TestSMTPTLSModes(t *testing.T) {
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
			sink, err := memmail.StartSMTPTLS(tt.server, &cert)
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close()
			db := queued(t, "a@example.ru")
			roots := x509.NewCertPool()
			if tt.trust {
				roots = cert.Pool
			}
			o := NewOutbox(db, SMTP{Address: sink.Addr, TLS: tt.client, TLSConfig: &tls.Config{RootCAs: roots}}, quiet())
			n, err := o.Drain(context.Background())
			if tt.ok && (err != nil || n != 1 || len(sink.Deliveries()) != 1) {
				t.Errorf("Drain = %d, %v; want the letter delivered", n, err)
			}
			if !tt.ok && (err == nil || len(sink.Deliveries()) != 0) {
				t.Errorf("Drain = %d, %v; want a refusal and nothing sent", n, err)
			}
		})
	}
}
