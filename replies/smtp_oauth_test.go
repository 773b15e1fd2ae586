package replies

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/internal/oauthtest"
)

// fixedTokens always gives the same token.
type fixedTokens struct {
	token    string
	rejected int
}

func (f *fixedTokens) Token(context.Context) (string, error) { return f.token, nil }
func (f *fixedTokens) Rejected(string)                       { f.rejected++ }

// oauthMail starts the test's authorization server, a Mailpit, and a
// Dovecot that takes letters by submission from token holders and relays
// them to the Mailpit.
func oauthMail(t *testing.T) (*oauthtest.Server, *mailtest.Dovecot, *mailtest.Mailpit) {
	t.Helper()
	srv := oauthtest.Start(t, &oauthtest.Options{ClientID: "ticketd"})
	mp := mailtest.StartMailpit(t)
	dc := mailtest.StartDovecotWith(t, &mailtest.DovecotOptions{IntrospectionURL: srv.IntrospectURL, SubmissionRelay: mp.SMTPAddr})
	return srv, dc, mp
}

func oauthLetter(subject string) []byte {
	return []byte(fmt.Sprintf("From: support@example.test\r\nTo: client@example.ru\r\nSubject: %s\r\n"+
		"Message-ID: <%s@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nОтвет.\r\n", subject, subject))
}

// TestSMTPTokenSubmission sends answers through Dovecot's submission
// service with OAuth2 tokens: live, expired (refused, refreshed, sent), and
// bogus (refused twice: a permanent error).
func TestSMTPTokenSubmission(t *testing.T) {
	t.Parallel()
	srv, dc, mp := oauthMail(t)
	user := oauthtest.DefaultUsername
	at, rt := srv.Grant(user)
	tokens := srv.Tokens("ticketd", at, rt)
	s := SMTP{Address: dc.SubmissionAddr, TLS: TLSNone, Username: user, Tokens: tokens, Timeout: 20 * time.Second}
	ctx := context.Background()
	send := func(subject string) error {
		t.Helper()
		sess, err := s.Dial(ctx)
		if err != nil {
			return err
		}
		defer sess.Close()
		return sess.Send("support@example.test", "client@example.ru", oauthLetter(subject))
	}

	if err := send("live"); err != nil {
		t.Fatalf("send with a live token: %v", err)
	}
	srv.ExpireAll()
	if err := send("expired"); err != nil {
		t.Fatalf("send with an expired token: %v", err)
	}
	if issued, rejected := len(tokens.Issued()), len(tokens.RejectedTokens()); issued != 3 || rejected != 1 || srv.Refreshes() != 1 {
		t.Errorf("issued %d, rejected %d, refreshes %d; want 3, 1, 1", issued, rejected, srv.Refreshes())
	}
	got := mp.WaitMessages(t, 2, 30*time.Second)
	if len(got) != 2 {
		t.Fatalf("Mailpit caught %d letters, want 2", len(got))
	}

	srv.Revoke(tokens.RefreshToken())
	if err := send("revoked"); !errors.Is(err, oauthtest.ErrRefused) {
		t.Errorf("send after the grant was revoked = %v, want the refresh's refusal", err)
	}

	bogus := &fixedTokens{token: "at-bogus"}
	s.Tokens = bogus
	err := send("bogus")
	var pe *PermanentError
	if !errors.As(err, &pe) || bogus.rejected != 2 || strings.Contains(err.Error(), "at-bogus") {
		t.Errorf("send with a bogus token = %v (rejected %d times), want a PermanentError without the token, 2 rejections", err, bogus.rejected)
	}
	if n := len(mp.Messages(t)); n != 2 {
		t.Errorf("Mailpit caught %d letters, want still 2", n)
	}
}

// TestSMTPTokenMechanisms authenticates to Dovecot's submission service
// with each mechanism, a bad token then a good one.
func TestSMTPTokenMechanisms(t *testing.T) {
	t.Parallel()
	srv, dc, _ := oauthMail(t)
	user := oauthtest.DefaultUsername
	at, _ := srv.Grant(user)
	for _, mech := range []string{mechOAuthBearer, mechXOAuth2} {
		t.Run(mech, func(t *testing.T) {
			for _, tc := range []struct {
				token string
				ok    bool
			}{{"at-bogus", false}, {at, true}} {
				c, err := smtp.Dial(dc.SubmissionAddr)
				if err != nil {
					t.Fatal(err)
				}
				auth := &tokenAuth{username: user, token: tc.token, mech: mech}
				err = c.Auth(auth)
				c.Close()
				if tc.ok && err != nil {
					t.Errorf("Auth(good token) = %v", err)
				}
				if !tc.ok && !auth.refused(err) {
					t.Errorf("Auth(bad token) = %v, want a refusal", err)
				}
				if !tc.ok && mech == mechOAuthBearer && auth.refusal != "invalid_token" {
					t.Errorf("refusal = %q, want invalid_token", auth.refusal)
				}
			}
		})
	}
}
