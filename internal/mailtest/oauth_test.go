package mailtest

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/ticketd/ticketd/internal/oauthtest"
)

// tokenLogin logs in to d's IMAP with OAUTHBEARER and logs out.
func tokenLogin(d *Dovecot, user, token string) error {
	conn, err := net.DialTimeout("tcp", d.Addr, probeTimeout)
	if err != nil {
		return err
	}
	c := imapclient.New(conn, nil)
	defer c.Close()
	if err := c.Authenticate(sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token})); err != nil {
		return err
	}
	return c.Logout().Wait()
}

func TestDovecotOAuth2Passdb(t *testing.T) {
	t.Parallel()
	srv := oauthtest.Start(t, nil)
	d := StartDovecotWith(t, &DovecotOptions{IntrospectionURL: srv.IntrospectURL})
	user := oauthtest.DefaultUsername
	at, _ := srv.Grant(user)
	if err := tokenLogin(d, user, at); err != nil {
		t.Fatalf("OAUTHBEARER with a live token: %v\n%s", err, tail(d.dir+"/dovecot.log"))
	}
	if srv.Introspections() == 0 {
		t.Error("Dovecot did not ask the introspection endpoint")
	}
	var refusal *sasl.OAuthBearerError
	if err := tokenLogin(d, "someone-else@example.test", at); !errors.As(err, &refusal) {
		t.Errorf("OAUTHBEARER as another user = %v, want a refusal", err)
	}
	srv.ExpireAll()
	if err := tokenLogin(d, user, at); !errors.As(err, &refusal) {
		t.Errorf("OAUTHBEARER with an expired token = %v, want a refusal", err)
	}
	// Password users keep working, and cannot log in with a token.
	c, err := d.Login(d.Username, d.Password)
	if err != nil {
		t.Fatalf("password login beside oauth2: %v", err)
	}
	c.Close()
	if err := tokenLogin(d, d.Username, d.Password); err == nil {
		t.Error("OAUTHBEARER with a password as the token succeeded")
	}
}

func TestDovecotSubmission(t *testing.T) {
	t.Parallel()
	srv := oauthtest.Start(t, nil)
	m := StartMailpit(t)
	d := StartDovecotWith(t, &DovecotOptions{IntrospectionURL: srv.IntrospectURL, SubmissionRelay: m.SMTPAddr})
	if d.SubmissionAddr == "" {
		t.Fatal("SubmissionAddr is empty")
	}
	at, _ := srv.Grant("")
	send := func(auth sasl.Client, subject string) error {
		c, err := smtp.Dial(d.SubmissionAddr)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.Auth(auth); err != nil {
			return err
		}
		msg := "From: a@example.test\r\nTo: b@example.test\r\nSubject: " + subject + "\r\n\r\nbody\r\n"
		if err := c.SendMail("a@example.test", []string{"b@example.test"}, strings.NewReader(msg)); err != nil {
			return err
		}
		return c.Quit()
	}
	if err := send(sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: oauthtest.DefaultUsername, Token: at}), "by token"); err != nil {
		t.Fatalf("submit with OAUTHBEARER: %v\n%s", err, tail(d.dir+"/dovecot.log"))
	}
	if err := send(sasl.NewPlainClient("", d.Username, d.Password), "by password"); err != nil {
		t.Fatalf("submit with PLAIN: %v", err)
	}
	got := m.WaitMessages(t, 2, 30*time.Second)
	if len(got) != 2 {
		t.Fatalf("Mailpit caught %d letters, want 2", len(got))
	}
	if err := send(sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: oauthtest.DefaultUsername, Token: "at-bogus"}), "refused"); err == nil {
		t.Error("submit with a bogus token succeeded")
	}
}

// TestDovecotConfVariants checks with doveconf that every combination of
// the oauth2 passdb, submission and an unprivileged run gives a
// configuration Dovecot accepts; the tests above run only one of them.
func TestDovecotConfVariants(t *testing.T) {
	t.Parallel()
	bin, err := findBinary("dovecot", "\"apt-get install -y dovecot-imapd\"", "/usr/sbin/dovecot")
	if err != nil {
		fatalOrSkip(t, err)
	}
	v, err := dovecotVersion(bin)
	if err != nil {
		t.Fatal(err)
	}
	if v >= 204 {
		// Skipped only where missing servers may be; CI runs Debian's 2.3.
		fatalOrSkip(t, fmt.Errorf("%w: Dovecot version %d; these options are written for 2.3", ErrNotInstalled, v))
	}
	doveconf := filepath.Join(filepath.Dir(bin), "..", "bin", "doveconf")
	owner, group, _, err := mailOwner()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, unprivileged := range []bool{false, true} {
		for _, oauth := range []bool{false, true} {
			for _, submission := range []bool{false, true} {
				s := dovecotSettings{Dir: dir, Name: "variant", Port: 1143, MailUser: owner, MailGroup: group, Unprivileged: unprivileged}
				if oauth {
					s.OAuth2Conf = filepath.Join(dir, "oauth2.conf.ext")
				}
				if submission {
					s.SubmissionPort, s.RelayHost, s.RelayPort = 1587, "127.0.0.1", 1025
				}
				path := filepath.Join(dir, "dovecot.conf")
				if err := writeDovecotConf(bin, path, s); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(doveconf, "-n", "-c", path).CombinedOutput()
				if err != nil {
					t.Errorf("doveconf (unprivileged %v, oauth2 %v, submission %v): %v\n%s", unprivileged, oauth, submission, err, out)
					continue
				}
				if oauth && !strings.Contains(string(out), "anvil-auth-penalty") {
					t.Errorf("oauth2 config keeps the auth penalty:\n%s", out)
				}
			}
		}
	}
}
