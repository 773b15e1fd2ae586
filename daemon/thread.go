package daemon

import (
	"regexp"
	"strconv"

	"github.com/ticketd/ticketd/store"
)

// ticketTag finds a ticket number in a subject as mail clients leave it:
// "[TKT-000123]", also inside "Re:"/"Fwd:"/"Отв:"/"Пересл:" chains and with
// the brackets mangled or lost ("TKT 000123", "(tkt-123)", "[TKT-000123").
var ticketTag = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])TKT[\s\-–—_#№:]{0,3}(\d{1,9})(?:[^\p{L}\p{N}]|$)`)

// tagOf returns the normalised ticket number named in subject, or "".
func tagOf(subject string) string {
	m := ticketTag.FindStringSubmatch(subject)
	if m == nil {
		return ""
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n == 0 {
		return ""
	}
	return store.TicketNumber(n)
}
