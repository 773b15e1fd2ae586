package oauthtest_test

import (
	"context"
	"fmt"

	"github.com/ticketd/ticketd/internal/oauthtest"
)

// A test that is not about logging in starts from a granted consent, and
// plays the expiry of access tokens with ExpireAll.
func Example() {
	srv := oauthtest.New(&oauthtest.Options{ClientID: "ticketd"})
	defer srv.Close()
	access, refresh := srv.Grant("support@example.test")
	tokens := srv.Tokens("ticketd", access, refresh)

	srv.ExpireAll()
	fmt.Println("granted token active:", srv.Active(access))
	tokens.Rejected(access) // as a server that refused it would have us do
	fresh, err := tokens.Token(context.Background())
	fmt.Println("refreshed:", err == nil && srv.Active(fresh), "refreshes:", srv.Refreshes())
	// Output:
	// granted token active: false
	// refreshed: true refreshes: 1
}
