package memmail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

// TLS modes a server can offer.
const (
	PlainText = iota // no TLS
	StartTLS         // STARTTLS on the plain port
	Implicit         // TLS from the first byte
)

// Certificate is a self-signed certificate for 127.0.0.1 and localhost,
// with the pool a client needs to trust it.
type Certificate struct {
	TLS  tls.Certificate
	Pool *x509.CertPool
}

// SelfSigned makes a fresh certificate for loopback servers.
func SelfSigned() (Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Certificate{}, fmt.Errorf("memmail: key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ticketd test server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Certificate{}, fmt.Errorf("memmail: certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return Certificate{}, fmt.Errorf("memmail: certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return Certificate{TLS: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, Pool: pool}, nil
}

// listen opens a loopback listener, wrapped in TLS for Implicit.
func listen(mode int, cert *Certificate) (net.Listener, *tls.Config, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("memmail: listen: %w", err)
	}
	if mode == PlainText || cert == nil {
		return ln, nil, nil
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert.TLS}}
	if mode == Implicit {
		return tls.NewListener(ln, cfg), nil, nil
	}
	return ln, cfg, nil
}
