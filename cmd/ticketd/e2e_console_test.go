package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ticketd/ticketd/internal/browsertest"
	"github.com/ticketd/ticketd/internal/mailtest"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/replies"
)

// TestConsoleOperatorAnswersInBrowser is an operator's day in the console,
// in Chromium, against the real daemon, Dovecot and Mailpit: sign in, see
// a letter appended to the mailbox appear on the queue without reloading,
// open it, choose a template, fill its values, preview and send, and see
// the answer arrive in Mailpit threaded under the citizen's letter. The
// page asks nothing of any other origin and no script fails.
func TestConsoleOperatorAnswersInBrowser(t *testing.T) {
	r := startConsole(t, sampleSeed(t)...)
	password := r.addUser(t, "anna", "operator")
	p := r.signIn(t, "anna", password)
	waitJS(t, p, `document.querySelectorAll("#queue tr[data-ticket]").length >= 7`, "the sample letters on the queue")

	// Live: a new letter shows on the open queue; the page is not reloaded.
	p.Do(chromedp.Evaluate[chromedp.Void](`window.e2eNoReload = "still here"`))
	const subject = "Не могу подать заявление на выплату: ошибка при отправке"
	citizen := letter("payment-form-1@example.ru", "Ольга Смирнова", "olga.smirnova@example.ru", subject,
		"Здравствуйте!\n\nПри отправке заявления на выплату сайт пишет «Ошибка 500». Номер личного кабинета 5520173.\n\nОльга", "")
	r.dovecot.Append(t, "INBOX", citizen)
	row := `[...document.querySelectorAll("#queue tr[data-ticket]")].find(tr => tr.querySelector("td.subject").textContent.includes(` + jsString(subject) + `))`
	waitJS(t, p, `!!`+row, "the new letter's row on the open queue")
	if got := evalJS[string](t, p, `window.e2eNoReload || ""`); got != "still here" {
		t.Errorf("the queue was reloaded to show the new ticket (marker %q)", got)
	}
	number := evalJS[string](t, p, row+`.getAttribute("data-ticket")`)
	if shots := screenshotDir(t); shots != "" {
		shoot(t, p, filepath.Join(shots, "console-queue.png"))
	}

	// Open it, choose a template and fill its values.
	p.Do(chromedp.Click(chromedp.CSS(`tr[data-ticket="`+number+`"] a.ticket-link`)),
		chromedp.WaitVisible(chromedp.CSS(`main#ticket[data-number="`+number+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`article.letter[data-direction=in]`)))
	choose(t, p, `form#reply select[name=template]`, "status") // the page shows the template's fields at once
	p.Do(chromedp.WaitVisible(chromedp.CSS(`form#reply select[name="var.status"]`)))
	choose(t, p, `form#reply select[name="var.status"]`, "approved")
	const application, comment = "2026-0412-77", "Выплата будет перечислена до 15 декабря."
	p.Do(chromedp.SendKeys(chromedp.CSS(`form#reply [name="var.application"]`), application),
		chromedp.SendKeys(chromedp.CSS(`form#reply [name="var.comment"]`), comment),
		chromedp.Click(chromedp.CSS(`form#reply button[name=action][value=preview]`)),
		chromedp.WaitVisible(chromedp.CSS(`section#preview pre.preview-text`)))
	preview, err := chromedp.Run(p.Context(), chromedp.Text(chromedp.CSS(`section#preview pre.preview-text`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{number, application, comment} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %q:\n%s", want, preview)
		}
	}
	if c := r.conversation(t, number); len(outgoing(c)) != 1 {
		t.Fatalf("after the preview the ticket has %d letters out, want only the acknowledgement", len(outgoing(c)))
	}

	// Send: the outbox delivers it, threaded under the citizen's letter.
	p.Do(chromedp.Click(chromedp.CSS(`form#reply button[name=action][value=send]`)),
		chromedp.WaitVisible(chromedp.CSS(`main#ticket[data-number="`+number+`"]`)))
	waitJS(t, p, `document.querySelectorAll("article.letter[data-direction=out]").length >= 2`, "the answer among the ticket's letters")
	reply := waitDelivered(t, r, "olga.smirnova@example.ru", comment)
	h := r.mailpit.Headers(t, reply.ID)
	if got := strings.Join(h["In-Reply-To"], " "); got != "<payment-form-1@example.ru>" {
		t.Errorf("answer In-Reply-To = %q, want <payment-form-1@example.ru>", got)
	}
	if got := strings.Join(h["References"], " "); !strings.Contains(got, "<payment-form-1@example.ru>") {
		t.Errorf("answer References = %q, want the citizen's letter in it", got)
	}
	if !strings.Contains(reply.Subject, number) {
		t.Errorf("answer subject %q lacks %s", reply.Subject, number)
	}
	c := r.conversation(t, number)
	if out := outgoing(c); len(out) != 2 || out[1].Template != "status" || out[1].Operator != "anna" {
		t.Errorf("letters out = %+v, want the acknowledgement and anna's status answer", out)
	}
	if c.Status != "answered" {
		t.Errorf("status after the answer = %s, want answered", c.Status)
	}

	if shots := screenshotDir(t); shots != "" { // the sample letter with a screenshot and a refused file
		p.Do(chromedp.Navigate(r.origin+"/tickets/TKT-000003"), chromedp.WaitVisible(chromedp.CSS(`ul.thumbs img`)))
		waitJS(t, p, `[...document.querySelectorAll("ul.thumbs img")].every(i => i.complete && i.naturalWidth > 0)`, "the thumbnail")
		shoot(t, p, filepath.Join(shots, "console-ticket.png"))
	}
	checkQuiet(t, p, r.origin)
}

// outgoing returns the letters ticketd sent or queued on a ticket.
func outgoing(c replies.Conversation) []replies.ConversationMessage {
	var out []replies.ConversationMessage
	for _, m := range c.Messages {
		if m.Direction == "out" {
			out = append(out, m)
		}
	}
	return out
}

// waitDelivered waits until Mailpit holds a letter to addr whose text
// contains phrase, and returns it.
func waitDelivered(t *testing.T, r *consoleRig, addr, phrase string) mailtest.Message {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		for _, m := range r.mailpit.Messages(t) {
			if len(m.To) == 1 && m.To[0].Address == addr {
				if l, _ := mailparse.Parse(r.mailpit.Raw(t, m.ID), nil); l != nil && strings.Contains(l.Text, phrase) {
					return m
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no letter to %s saying %q in Mailpit after a minute", addr, phrase)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// choose selects value in the select element sel as a person does: the
// page sees a change event.
func choose(t *testing.T, p *browsertest.Page, sel, value string) {
	t.Helper()
	ok := evalJS[bool](t, p, `(() => { const s = document.querySelector(`+jsString(sel)+`); if (!s) return false;
		s.value = `+jsString(value)+`; s.dispatchEvent(new Event("change", {bubbles: true})); return s.value === `+jsString(value)+`; })()`)
	if !ok {
		t.Fatalf("cannot choose %q in %s", value, sel)
	}
}

// checkQuiet fails the test if the page asked anything of another origin,
// opened a dialog, or a script threw or logged.
func checkQuiet(t *testing.T, p *browsertest.Page, origin string) {
	t.Helper()
	for _, req := range p.RequestsOutside(origin) {
		t.Errorf("the page requested %s", req)
	}
	for _, d := range p.Dialogs() {
		t.Errorf("the page opened a dialog: %s", d)
	}
	for _, m := range p.Scripts() {
		t.Errorf("a script ran: %s", m)
	}
}

// screenshotDir is where the console's screenshots for the README go
// (doc/ of the repository) when TICKETD_SCREENSHOTS=1, else "".
func screenshotDir(t *testing.T) string {
	if os.Getenv("TICKETD_SCREENSHOTS") != "1" {
		return ""
	}
	return filepath.Join("..", "..", "doc")
}

// shoot saves the page's viewport, a 1366×768 laptop screen.
func shoot(t *testing.T, p *browsertest.Page, path string) {
	t.Helper()
	if err := p.Screenshot(path); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// sampleSeed is the sample letters, in name order.
func sampleSeed(t *testing.T) [][]byte {
	t.Helper()
	letters := sampleLetters(t)
	var out [][]byte
	for _, name := range sortedKeys(letters) {
		out = append(out, letters[name])
	}
	return out
}
