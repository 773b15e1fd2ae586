package console

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
	"golang.org/x/net/html"
)

// outLetter is a letter ticketd sent, as the outbox stores it.
func outLetter(id, subject, text string) []byte {
	return []byte("From: support@example.ru\r\nTo: citizen@example.ru\r\nSubject: " + subject + "\r\nMessage-ID: <" + id + ">\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n")
}

func hasClass(n *html.Node, class string) bool {
	return strings.Contains(" "+nodeAttr(n, "class")+" ", " "+class+" ")
}

func TestTicketPageFoldsAutomaticLetters(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk := f.ingest(inLetter{raw: plainLetter("q1@example.ru", "Не могу войти"), messageID: "q1@example.ru", subject: "Вход"})
	ctx := context.Background()
	for _, out := range []store.Outgoing{
		{MessageID: "ack-1@ticketd.test", Template: "ack", Auto: true, Subject: "Обращение зарегистрировано",
			Raw: outLetter("ack-1@ticketd.test", "Registered", "Ваше обращение зарегистрировано.")},
		{MessageID: "reply-1@ticketd.test", Template: "status", Operator: "anna", Subject: "Статус",
			Raw: outLetter("reply-1@ticketd.test", "Status", "Заявление одобрено.")},
	} {
		out.FromAddress, out.ToAddress, out.EnvelopeFrom, out.EnvelopeTo = "support@example.ru", "citizen@example.ru", "support@example.ru", "citizen@example.ru"
		if err := f.db.Queue(ctx, tk.Number, 0, out, ""); err != nil {
			t.Fatal(err)
		}
	}
	c := f.signIn("anna")
	resp, body := f.do(request{path: "/tickets/" + tk.Number, cookies: withCookie(c)})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET ticket = %s\n%s", resp.Status, body)
	}
	p := parseHTMLPage(t, body)

	// Every letter is still an article.letter with its direction; the
	// acknowledgement is folded to one line, the operator's answer is not.
	arts := p.find(func(n *html.Node) bool { return n.Data == "article" && hasClass(n, "letter") })
	if len(arts) != 3 {
		t.Fatalf("%d letters shown, want 3", len(arts))
	}
	ack, answer := arts[1], arts[2]
	for _, a := range arts[1:] {
		if nodeAttr(a, "data-direction") != "out" {
			t.Errorf("letter out has data-direction=%q", nodeAttr(a, "data-direction"))
		}
	}
	folds := (&htmlPage{root: ack}).find(func(n *html.Node) bool { return n.Data == "details" && hasClass(n, "fold") })
	if !hasClass(ack, "folded") || len(folds) != 1 || nodeHasAttr(folds[0], "open") {
		t.Fatalf("the acknowledgement is not folded: %s", nodeText(ack))
	}
	summary := nodeText((&htmlPage{root: folds[0]}).find(func(n *html.Node) bool { return n.Data == "summary" })[0])
	for _, want := range []string{"Исходящее", "автоматическое", "Подтверждение регистрации", f.clock.Now().In(f.server.loc).Format("02.01.2006 15:04")} {
		if !strings.Contains(summary, want) {
			t.Errorf("the folded letter's summary %q lacks %q", summary, want)
		}
	}
	if !strings.Contains(nodeText(folds[0]), "Ваше обращение зарегистрировано.") {
		t.Errorf("the folded letter's text is not inside its details: %q", nodeText(folds[0]))
	}
	if hasClass(answer, "folded") || !strings.Contains(nodeText(answer), "Заявление одобрено.") || !strings.Contains(nodeText(answer), "Статус заявления") {
		t.Errorf("the operator's answer is folded or lacks its text or template title: %q", nodeText(answer))
	}
	if strings.Contains(nodeText(arts[0]), "автоматическое") || hasClass(arts[0], "folded") {
		t.Errorf("the citizen's letter is folded")
	}

	// The status is a badge, as on the queue.
	badges := p.find(func(n *html.Node) bool { return n.Data == "span" && hasClass(n, "status") && hasClass(n, "status-new") })
	if len(badges) != 1 || nodeText(badges[0]) != "новое" {
		t.Errorf("status badges = %d, want one saying новое", len(badges))
	}

	// Addresses and Message-IDs in the event log are identifiers: whole,
	// in monospace, with the whole text as a tooltip.
	idents := p.find(func(n *html.Node) bool { return n.Data == "code" && hasClass(n, "ident") })
	if len(idents) == 0 || nodeAttr(idents[0], "title") != "citizen@example.ru" || nodeText(idents[0]) != "citizen@example.ru" {
		t.Errorf("event log identifiers = %d, want citizen@example.ru first", len(idents))
	}
}

func TestTicketPageSwitchHintOnlyWithoutScript(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk := f.ingest(inLetter{raw: plainLetter("q1@example.ru", "Не могу войти"), messageID: "q1@example.ru", subject: "Вход"})
	c := f.signIn("anna")
	for _, lang := range languages() {
		_, body := f.do(request{path: "/tickets/" + tk.Number + "?lang=" + lang, cookies: withCookie(c)})
		hint := f.server.messages.text(lang, "reply.switch_hint")
		i := strings.Index(body, hint)
		if i < 0 {
			t.Errorf("%s: the hint for browsers without script is gone", lang)
			continue
		}
		if before := body[:i]; strings.LastIndex(before, "<noscript>") < strings.LastIndex(before, "</noscript>") || !strings.Contains(before, "<noscript>") {
			t.Errorf("%s: the hint %q shows with script, which chooses the template by itself", lang, hint)
		}
	}
}

// TestTicketPageNamesItsMailbox: a ticket that came to one of several
// mailboxes says which, and its queue when that is another name; one
// from the single [imap] says nothing of it.
func TestTicketPageNamesItsMailbox(t *testing.T) {
	f := newFixture(t, withOperator(t))
	access := f.ingest(inLetter{raw: plainLetter("m1@example.ru", "Не могу войти"), messageID: "m1@example.ru", subject: "Вход",
		mailbox: "access", queue: "urgent-desk"})
	plain := f.ingest(inLetter{raw: plainLetter("m2@example.ru", "Вопрос"), messageID: "m2@example.ru", subject: "Вопрос"})
	c := f.signIn("anna")
	_, body := f.do(request{path: "/tickets/" + access.Number + "?lang=ru", cookies: withCookie(c)})
	if !strings.Contains(body, "<dt>Ящик</dt><dd>access <span class=\"muted\">(очередь urgent-desk)</span></dd>") {
		t.Errorf("the page of a ticket from the mailbox access does not name it and its queue:\n%s", body)
	}
	_, body = f.do(request{path: "/tickets/" + plain.Number + "?lang=ru", cookies: withCookie(c)})
	if strings.Contains(body, "<dt>Ящик</dt>") {
		t.Error("the page of a ticket with no mailbox names one")
	}
}
