package redact_test

import (
	"fmt"

	"github.com/ticketd/ticketd/redact"
)

func ExampleText() {
	fmt.Println(redact.Text("Не принимают СНИЛС 112-233-445 95, звоните +7 (912) 345-67-89"))
	fmt.Println(redact.Text("smtp: 550 5.1.1 <ivan.petrov@example.ru>: no such user"))
	// Output:
	// Не принимают СНИЛС •••-•••-••• ••, звоните +• (•••) •••-••-••
	// smtp: 550 5.1.1 <i…@example.ru>: no such user
}

func ExampleAddress() {
	fmt.Println(redact.Address("ivan.petrov@example.ru"))
	// Output: i…@example.ru
}
