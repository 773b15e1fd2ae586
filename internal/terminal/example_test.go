package terminal_test

import (
	"fmt"
	"os"

	"github.com/ticketd/ticketd/internal/terminal"
)

func ExampleEscape() {
	subject := "Счёт\x1b]0;оплачено\x07 \u202eexe.pdf"
	fmt.Println(terminal.Escape(subject))
	// Output: Счёт\u001b]0;оплачено\u0007 \u202eexe.pdf
}

func ExampleClip() {
	fmt.Println(terminal.Clip("Не могу войти\nTKT-000002", 20))
	// Output: Не могу войти\u000a…
}

func ExampleWriter() {
	w := terminal.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "From: %s\n", "Иван \x1b[2J<ivan@example.ru>")
	// Output: From: Иван \u001b[2J<ivan@example.ru>
}
