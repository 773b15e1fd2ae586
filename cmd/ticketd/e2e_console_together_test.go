package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// TestConsoleTwoOperators has two operators on one ticket in two
// browsers: each sees the other among the page's viewers; when one
// changes the ticket, the other's open page says so without a reload, and
// the other's change, decided on the old version, is refused showing what
// changed, and changes nothing.
func TestConsoleTwoOperators(t *testing.T) {
	r := startConsole(t, sampleSeed(t)...)
	anna := r.signIn(t, "anna", r.addUser(t, "anna", "operator"))
	boris := r.signIn(t, "boris", r.addUser(t, "boris", "operator"))
	const number = "TKT-000002"
	ticketPage := chromedp.Navigate(r.origin + "/tickets/" + number)
	anna.Do(ticketPage, chromedp.WaitVisible(chromedp.CSS(`form#status`)))
	boris.Do(ticketPage, chromedp.WaitVisible(chromedp.CSS(`form#status`)))
	waitJS(t, anna, `[...document.querySelectorAll("#viewers li")].some(li => li.textContent === "boris")`, "boris among anna's viewers")
	waitJS(t, boris, `[...document.querySelectorAll("#viewers li")].some(li => li.textContent === "anna")`, "anna among boris's viewers")

	// Boris takes the ticket; anna's page learns of it.
	boris.Do(chromedp.Click(chromedp.CSS(`form#assign button[value=take]`)),
		chromedp.WaitVisible(chromedp.CSS(`main#ticket dd.assignee`)))
	waitJS(t, anna, `!document.getElementById("live-changed").hidden`, "the notice on anna's page that the ticket changed")
	before := r.conversation(t, number)
	if before.Assignee != "boris" {
		t.Fatalf("assignee after boris took it = %q", before.Assignee)
	}

	// Anna, on the page as it was, closes it: refused, with what changed.
	anna.Do(chromedp.Evaluate[chromedp.Void](`document.querySelector("form#status select[name=status]").value = "closed"`),
		chromedp.Click(chromedp.CSS(`form#status button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#conflict`)))
	conflict, err := chromedp.Run(anna.Context(), chromedp.Text(chromedp.CSS(`#conflict`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(conflict, "boris") {
		t.Errorf("the conflict does not say who changed the ticket:\n%s", conflict)
	}
	unchanged(t, r, before, "anna's change on an old version")
	checkQuiet(t, anna, r.origin)
	checkQuiet(t, boris, r.origin)
}

// TestConsoleKeyboard walks the queue with the keys the page names: j and
// k move, Enter opens, r on a ticket goes to the reply form.
func TestConsoleKeyboard(t *testing.T) {
	r := startConsole(t, sampleSeed(t)...)
	p := r.signIn(t, "anna", r.addUser(t, "anna", "operator"))
	waitJS(t, p, `document.querySelectorAll("#queue tr[data-ticket]").length >= 7`, "the sample letters on the queue")
	rows := evalJS[[]string](t, p, `[...document.querySelectorAll("#queue tr[data-ticket]")].map(tr => tr.getAttribute("data-ticket"))`)
	p.Do(press("j"), press("j"), press("j"), press("k"))
	if got := evalJS[string](t, p, `document.querySelector("#queue tr.selected")?.getAttribute("data-ticket") || ""`); got != rows[1] {
		t.Errorf("after j j j k the selected row is %q, want the second, %s", got, rows[1])
	}
	p.Do(press("\r"), chromedp.WaitVisible(chromedp.CSS(`main#ticket[data-number="`+rows[1]+`"]`)))
	p.Do(press("r"))
	waitJS(t, p, `document.activeElement && document.activeElement.closest("form#reply") !== null`, "the reply form focused by r")
	if loc, _ := chromedp.Run(p.Context(), chromedp.Location()); loc != r.origin+"/tickets/"+rows[1] {
		t.Errorf("after r the page is %s, want the ticket still", loc)
	}
	if got := evalJS[string](t, p, `document.querySelector("form#reply select[name=template]").value`); got != "" {
		t.Errorf("after r the reply form's template is %q, want none chosen yet", got)
	}
	checkQuiet(t, p, r.origin)
}

// press types one key as a keyboard does: a keyDown that carries its
// text (so that a page preventing the keydown also prevents the
// character, as in a real browser) and a keyUp.
func press(key string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		code, vk, text := "Key"+strings.ToUpper(key), int64(strings.ToUpper(key)[0]), key
		if key == "\r" {
			key, code, vk = "Enter", "Enter", 13
		}
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
			p := input.DispatchKeyEventParams{Type: typ, Key: key, Code: code, WindowsVirtualKeyCode: vk, NativeVirtualKeyCode: vk}
			if typ == input.DispatchKeyEventTypeKeyDown {
				p.Text, p.UnmodifiedText = text, text
			}
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p); err != nil {
				return err
			}
		}
		return nil
	})
}
