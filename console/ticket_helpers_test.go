package console

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
	"golang.org/x/net/html"
)

// withOperator gives the console the operator actions and the templates.
func withOperator(t *testing.T) func(*Options) {
	return func(o *Options) {
		set, err := templates.Load("", nil)
		if err != nil {
			t.Fatal(err)
		}
		db := o.Store.(*store.DB)
		o.Templates = set
		o.Operator = &replies.Operator{Tickets: db, Templates: set, From: mail.Address{Name: "Support", Address: "support@example.ru"}, Now: o.Now}
	}
}

// pngImage is a small real PNG.
func pngImage(t testing.TB, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	for x := range 4 {
		for y := range 3 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sumOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// inLetter is one inbound letter for ingest.
type inLetter struct {
	raw       string
	messageID string
	from      string
	subject   string
	ticketID  int64 // a follow-up to this ticket
	files     []store.Attachment
	mailbox   string // the [[mailbox]] it came to; "" for none
	queue     string
}

// ingest stores l as the daemon would and returns the ticket.
func (f *fixture) ingest(l inLetter) store.Ticket {
	f.t.Helper()
	return ingestInto(f.t, f.db, f.clock.Now(), l)
}

// ingestInto stores l in db as the daemon would, due a day after now.
func ingestInto(tb testing.TB, db *store.DB, now time.Time, l inLetter) store.Ticket {
	tb.Helper()
	if l.from == "" {
		l.from = "citizen@example.ru"
	}
	in := store.Inbound{
		Raw: []byte(l.raw), MessageID: l.messageID, FromAddress: l.from, ToAddress: "support@example.ru",
		TicketID: l.ticketID, Attachments: l.files,
		Ticket: store.Ticket{Subject: l.subject, CitizenAddress: l.from, Priority: store.PriorityNormal, Language: "ru",
			DueAt: now.Add(24 * time.Hour), Mailbox: l.mailbox, Queue: l.queue},
	}
	got, err := db.Ingest(context.Background(), in, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return got.Ticket
}

// ticketNow reads ticket number from the store.
func (f *fixture) ticketNow(number string) store.Ticket {
	f.t.Helper()
	t, err := f.db.Ticket(context.Background(), number)
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

// htmlPage is a parsed HTML page.
type htmlPage struct {
	t    *testing.T
	root *html.Node
	body string
}

func parseHTMLPage(t *testing.T, body string) *htmlPage {
	t.Helper()
	root, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return &htmlPage{t: t, root: root, body: body}
}

// find returns the elements for which match is true, in document order.
func (p *htmlPage) find(match func(n *html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(p.root)
	return out
}

// byID returns the element with the given tag and id, or nil.
func (p *htmlPage) byID(tag, id string) *html.Node {
	ns := p.find(func(n *html.Node) bool { return n.Data == tag && nodeAttr(n, "id") == id })
	if len(ns) == 0 {
		return nil
	}
	return ns[0]
}

// byClass returns the elements with the given tag and class.
func (p *htmlPage) byClass(tag, class string) []*html.Node {
	return p.find(func(n *html.Node) bool {
		return n.Data == tag && strings.Contains(" "+nodeAttr(n, "class")+" ", " "+class+" ")
	})
}

func nodeAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func nodeHasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// nodeText returns the text inside n.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// formValue returns the value of the form control named name inside form:
// an input's value, a textarea's text or a select's selected option.
func formValue(form *html.Node, name string) (string, bool) {
	var val string
	found := false
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && nodeAttr(n, "name") == name && !found {
			found = true
			switch n.Data {
			case "input":
				val = nodeAttr(n, "value")
			case "textarea":
				val = nodeText(n)
			case "select":
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.ElementNode && c.Data == "option" && nodeHasAttr(c, "selected") {
						val = nodeAttr(c, "value")
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return val, found
}

// withCookie is the session of one user for requests.
func withCookie(c *http.Cookie) []*http.Cookie { return []*http.Cookie{c} }
