package accounts_test

import (
	"fmt"
	"strings"

	"github.com/ticketd/ticketd/accounts"
)

func ExampleHashPassword() {
	hash, err := accounts.HashPassword("correct horse battery", accounts.DefaultParams())
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.Join(strings.Split(hash, "$")[:4], "$"))
	ok, _ := accounts.VerifyPassword(hash, "correct horse battery")
	fmt.Println(ok)
	// Output:
	// $argon2id$v=19$m=65536,t=3,p=2
	// true
}
