package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/memmail"
)

// memConfig is a configuration for "ticketd run" against in-memory mail
// servers, with console as the [console] section's body.
func memConfig(t *testing.T, console string) (config, db string) {
	t.Helper()
	imapSrv, err := memmail.StartIMAP("support@ticketd.test", "secret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imapSrv.Close() })
	sink, err := memmail.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	db = filepath.Join(t.TempDir(), "ticketd.db")
	config = writeConfig(t, fmt.Sprintf(`
[imap]
address = %q
tls = "none"
username = %q
password = %q
[smtp]
address = %q
tls = "none"
from = "Support <support@ticketd.test>"
[store]
path = %q
[console]
%s
`, imapSrv.Addr, imapSrv.Username, imapSrv.Password, sink.Addr, db, console))
	return config, db
}

// freeAddress is a loopback address with a port free a moment ago.
func freeAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runResult is the end of a "ticketd run": done closes when it returns
// code.
type runResult struct {
	done chan struct{}
	code int
}

// startRun runs "ticketd run -config config" until the test ends.
func startRun(t *testing.T, config string) (*syncBuffer, *runResult) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs, res := &syncBuffer{}, &runResult{done: make(chan struct{})}
	go func() {
		defer close(res.done)
		res.code = Main(ctx, []string{"run", "-config", config}, logs, logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-res.done:
		case <-time.After(time.Minute):
			t.Errorf("ticketd run did not stop within a minute")
		}
	})
	return logs, res
}

// TestRunServesConsoleOverTLS runs the daemon with a certificate and key:
// the console answers over HTTPS only, and its session cookie is Secure
// and __Host- prefixed.
func TestRunServesConsoleOverTLS(t *testing.T) {
	certFile, keyFile := writeKeyPair(t)
	addr := freeAddress(t)
	config, _ := memConfig(t, fmt.Sprintf("address = %q\ncert_file = %q\nkey_file = %q\n", addr, certFile, keyFile))
	password := "correct horse battery"
	var errb strings.Builder
	if code := MainInput(t.Context(), []string{"users", "add", "anna", "-role", "operator", "-operator", "test", "-config", config},
		strings.NewReader(password+"\n"), &strings.Builder{}, &errb); code != exitOK {
		t.Fatalf("users add: exit %d: %s", code, errb.String())
	}
	logs, done := startRun(t, config)

	pemCert, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemCert)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Timeout: 10 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get("https://" + addr + "/login")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET https://%s/login = %d, want 200", addr, resp.StatusCode)
			}
			break
		}
		select {
		case <-done.done:
			t.Fatalf("ticketd run ended with exit %d:\n%s", done.code, logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console did not answer over HTTPS: %v\n%s", err, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp, err := http.Get("http://" + addr + "/login"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("the console also answers plain HTTP with 200")
		}
	}
	resp, err := client.PostForm("https://"+addr+"/login", url.Values{"username": {"anna"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in over HTTPS = %d, want 303", resp.StatusCode)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "session") {
			session = c
		}
	}
	if session == nil || !session.Secure || !session.HttpOnly || !strings.HasPrefix(session.Name, "__Host-") {
		t.Errorf("session cookie over TLS = %+v, want Secure, HttpOnly and __Host-", session)
	}
}

// TestServiceConsoleOptional checks that [console] address "" leaves the
// console out of the service, and that any other address puts it in.
func TestServiceConsoleOptional(t *testing.T) {
	for _, tt := range []struct {
		console string
		want    bool
	}{{`address = ""`, false}, {fmt.Sprintf("address = %q", freeAddress(t)), true}} {
		config, _ := memConfig(t, tt.console)
		cfg, err := LoadConfig(config)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := openService(t.Context(), cfg, newLogger(io.Discard, cfg.Log))
		if err != nil {
			t.Fatal(err)
		}
		if got := svc.console != nil; got != tt.want {
			t.Errorf("[console] %s: console in the service = %v, want %v", tt.console, got, tt.want)
		}
		svc.Close()
	}
}

// TestRunConsoleAddressTaken checks that a console that cannot listen
// stops the daemon with an error naming the console.
func TestRunConsoleAddressTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	config, _ := memConfig(t, fmt.Sprintf("address = %q", ln.Addr().String()))
	logs, done := startRun(t, config)
	select {
	case <-done.done:
		if code := done.code; code != exitFail || !strings.Contains(logs.String(), "console") {
			t.Errorf("ticketd run = exit %d, want %d naming the console:\n%s", code, exitFail, logs)
		}
	case <-time.After(time.Minute):
		t.Fatalf("ticketd run went on without its console:\n%s", logs)
	}
}
