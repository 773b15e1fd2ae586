package daemon

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

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

// TestTokenLoginDovecot reads a mailbox of a real Dovecot whose oauth2
// passdb asks the test's authorization server about each token.
func TestTokenLoginDovecot(t *testing.T) {
	t.Parallel()
	srv := oauthtest.Start(t, &oauthtest.Options{ClientID: "ticketd"})
	dc := mailtest.StartDovecotWith(t, &mailtest.DovecotOptions{IntrospectionURL: srv.IntrospectURL})
	user := oauthtest.DefaultUsername
	dc.AddUser(t, user, "filler") // to fill the mailbox; ticketd logs in by token
	at, rt := srv.Grant(user)
	tokens := srv.Tokens("ticketd", at, rt)

	f := newFixture(t)
	f.d.Mailbox = Mailbox{Address: dc.Addr, TLS: TLSNone, Username: user, Tokens: tokens,
		Name: "INBOX", Timeout: 10 * time.Second}
	ctx := context.Background()
	poll := func(id string) (int, error) {
		t.Helper()
		dc.AppendAs(t, user, "filler", "INBOX", letter("c@example.ru", "Вопрос "+id, id+"@x", "Текст"))
		return f.d.Poll(ctx)
	}

	if n, err := poll("good"); err != nil || n != 1 {
		t.Fatalf("Poll with a live token = %d, %v; want 1 letter", n, err)
	}
	if issued, rejected := len(tokens.Issued()), len(tokens.RejectedTokens()); issued != 1 || rejected != 0 || srv.Refreshes() != 0 {
		t.Errorf("live token: issued %d, rejected %d, refreshes %d; want 1, 0, 0", issued, rejected, srv.Refreshes())
	}

	srv.ExpireAll()
	if n, err := poll("expired"); err != nil || n != 1 {
		t.Fatalf("Poll with an expired token = %d, %v; want a refresh and 1 letter", n, err)
	}
	if issued, rejected := len(tokens.Issued()), len(tokens.RejectedTokens()); issued != 3 || rejected != 1 || srv.Refreshes() != 1 {
		t.Errorf("expired token: issued %d, rejected %d, refreshes %d; want 3, 1, 1", issued, rejected, srv.Refreshes())
	}

	srv.Revoke(tokens.RefreshToken())
	_, err := poll("revoked")
	if !errors.Is(err, oauthtest.ErrRefused) {
		t.Fatalf("Poll after the grant was revoked = %v, want the refresh's refusal", err)
	}
	if te := (tokenError{}); !errors.As(err, &te) {
		t.Errorf("Poll after the grant was revoked = %T, want a tokenError: the loop waits for the token, not for the server", err)
	}
	for _, tok := range append(tokens.Issued(), tokens.RefreshToken()) {
		if strings.Contains(err.Error(), tok) {
			t.Errorf("error %q carries a token", err)
		}
	}
	if c := f.counts(t); c.Tickets != 2 {
		t.Errorf("tickets = %d, want 2", c.Tickets)
	}

	// A token refused twice is a refusal like a wrong password's.
	bogus := &fixedTokens{token: "at-bogus"}
	f.d.Mailbox.Tokens = bogus
	_, err = f.d.Poll(ctx)
	var pe *PermanentError
	if !errors.As(err, &pe) || bogus.rejected != 2 || strings.Contains(err.Error(), "at-bogus") {
		t.Errorf("Poll with a bogus token = %v (rejected %d times), want a PermanentError without the token, 2 rejections", err, bogus.rejected)
	}
}

// TestTokenMechanismsDovecot logs in to a real Dovecot with each mechanism,
// with a good and a bad token: a bad one ends with NO, and the connection
// can try again.
func TestTokenMechanismsDovecot(t *testing.T) {
	t.Parallel()
	srv := oauthtest.Start(t, nil)
	dc := mailtest.StartDovecotWith(t, &mailtest.DovecotOptions{IntrospectionURL: srv.IntrospectURL})
	user := oauthtest.DefaultUsername
	at, _ := srv.Grant(user)
	for _, mech := range []string{mechOAuthBearer, mechXOAuth2} {
		t.Run(mech, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp", dc.Addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			c := imapclient.New(conn, nil)
			defer c.Close()
			bad := newTokenClient(mech, dc.Addr, user, "at-bogus")
			if err := c.Authenticate(bad); !refused(err) {
				t.Fatalf("Authenticate(bogus) = %v, want NO", err)
			}
			if mech == mechOAuthBearer && bad.refusal != "invalid_token" {
				t.Errorf("refusal = %q, want invalid_token", bad.refusal)
			}
			if err := c.Authenticate(newTokenClient(mech, dc.Addr, user, at)); err != nil {
				t.Fatalf("Authenticate(good) on the same connection = %v", err)
			}
			if _, err := c.Select("INBOX", nil).Wait(); err != nil {
				t.Errorf("Select after token login = %v", err)
			}
		})
	}
}
