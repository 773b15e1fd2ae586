package oauth_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ticketd/ticketd/internal/oauthtest"
	"github.com/ticketd/ticketd/oauth"
	"github.com/ticketd/ticketd/store"
)

// A Source over a store where "ticketd oauth login" left the mailbox's
// refresh token: the first Token refreshes, the next ones come from
// memory until the access token nears its expiry.
func ExampleSource() {
	ctx := context.Background()
	srv := oauthtest.New(nil) // the authorization server
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "oauth-example")
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "ticketd.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	_, refresh := srv.Grant("") // what a login obtained
	db.SaveOAuthLogin(ctx, "imap:INBOX", store.OAuthToken{RefreshToken: refresh}, "cli:example")

	src := oauth.NewSource("imap:INBOX", oauth.Config{TokenURL: srv.TokenURL, ClientID: "ticketd"}, db, nil)
	first, err := src.Token(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	second, _ := src.Token(ctx)
	stored, _ := db.OAuthToken(ctx, "imap:INBOX")
	fmt.Println("same token:", first == second)
	fmt.Println("refreshes:", srv.Refreshes())
	fmt.Println("rotated refresh token stored:", stored.RefreshToken == srv.RefreshToken(oauthtest.DefaultUsername))
	// Output:
	// same token: true
	// refreshes: 1
	// rotated refresh token stored: true
}
