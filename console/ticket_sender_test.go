package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
	"golang.org/x/net/html"
)

// TestTicketShowsWhereTheAddressCameFrom: beside the sender of a letter
// whose address was not its From as written, the ticket page says in small
// text where it was found; a usual letter says nothing.
func TestTicketShowsWhereTheAddressCameFrom(t *testing.T) {
	f := newFixture(t, withOperator(t))
	file := func(id, from, header string, ticket int64) store.Ticket {
		res, err := f.db.Ingest(context.Background(), store.Inbound{
			Raw: []byte(plainLetter(id, "Вопрос")), MessageID: id, FromAddress: from, ReplyHeader: header, TicketID: ticket,
			Ticket: store.Ticket{Subject: "Вопрос", CitizenAddress: from, Language: "ru", DueAt: f.clock.Now().Add(24 * time.Hour)},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Ticket
	}
	tk := file("r1@portal", "olga@example.ru", "reply-to", 0)
	file("r2@example.ru", "olga@example.ru", "from", tk.ID)
	file("r3@example.ru", "olga@example.ru", "from-display-name", tk.ID)
	c := f.signIn("anna")
	for lang, want := range map[string][]string{
		"ru": {"ответ на адрес из Reply-To", "", "ответ на адрес, записанный в имени отправителя (From)"},
		"en": {"answered at the address in Reply-To", "", "answered at the address written as the sender's display name (From)"},
	} {
		_, body := f.do(request{path: "/tickets/" + tk.Number + "?lang=" + lang, cookies: withCookie(c)})
		page := parseHTMLPage(t, body)
		letters := page.find(func(n *html.Node) bool {
			return n.Data == "article" && strings.Contains(nodeAttr(n, "class"), "letter-in")
		})
		if len(letters) != len(want) {
			t.Fatalf("%s: %d letters in, want %d", lang, len(letters), len(want))
		}
		for i, l := range letters {
			var got string
			for _, s := range findIn(l, "small") {
				if nodeAttr(s, "class") == "reply-header" {
					got = nodeText(s)
				}
			}
			if got != want[i] {
				t.Errorf("%s: letter %d says %q beside its sender, want %q", lang, i+1, got, want[i])
			}
		}
	}
}

// findIn returns the elements named tag under n, in document order.
func findIn(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == tag {
			out = append(out, c)
		}
		out = append(out, findIn(c, tag)...)
	}
	return out
}
