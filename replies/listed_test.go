package replies

import (
	"testing"

	"github.com/ticketd/ticketd/store"
)

func TestListed(t *testing.T) {
	full := store.Ticket{
		Number: "TKT-000001", Subject: "СНИЛС 112-233-445 95, звоните +7 (912) 345-67-89",
		CitizenName: "Иван Петров, тел. 8 903 555 12 34", CitizenAddress: "ivan.petrov@example.ru",
		AnswerProblem: `sender "ivan.petrov@example.ru" cannot be written`, AccountNumber: "4417802",
	}
	got := Listed(full)
	want := full
	want.Subject = "СНИЛС •••-•••-••• ••, звоните +• (•••) •••-••-••"
	want.CitizenName = "Иван Петров, тел. • ••• ••• •• ••"
	want.CitizenAddress = "i…@example.ru"
	want.AnswerProblem = `sender "i…@example.ru" cannot be written`
	if got != want {
		t.Errorf("Listed(%+v)\n = %+v\nwant %+v", full, got, want)
	}
	if full.CitizenAddress != "ivan.petrov@example.ru" {
		t.Errorf("Listed changed the ticket it was given")
	}
}
