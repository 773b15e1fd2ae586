package main

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleAuditorSeesWhoRead has an operator read a ticket in
// Chromium (its page, a thumbnail, the raw letter) and search for the
// citizen's address; the operator has no way to the reads (no link, 403).
// An auditor then opens the ticket and finds the operator's reads listed
// under "Who read this", follows the header's link to /audit/reads and
// filters it by the operator: the search is there with the address
// masked.
func TestConsoleAuditorSeesWhoRead(t *testing.T) {
	r := startConsole(t, sampleSeed(t)...)
	anna := r.signIn(t, "anna", r.addUser(t, "anna", "operator"))
	waitJS(t, anna, `document.querySelectorAll("#queue tr[data-ticket]").length >= 7`, "the sample letters on the queue")
	const number = "TKT-000003" // the letter with a screenshot
	anna.Do(chromedp.Navigate(r.origin+"/tickets/"+number),
		chromedp.WaitVisible(chromedp.CSS(`main#ticket article.letter[data-direction=in]`)))
	waitJS(t, anna, `(() => { const i = document.querySelector("ul.thumbs img"); return !!i && i.complete && i.naturalWidth > 0; })()`,
		"the screenshot's thumbnail")
	if got := evalJS[int](t, anna, `fetch(document.querySelector("a.raw").href).then(r => r.status)`); got != http.StatusOK {
		t.Errorf("the raw letter = %d, want 200", got)
	}
	if got := evalJS[int](t, anna, `document.querySelectorAll("#nav-reads, #reads-box").length`); got != 0 {
		t.Errorf("the operator's page links to the reads or lists them (%d elements)", got)
	}
	if got := evalJS[int](t, anna, `fetch("/audit/reads").then(r => r.status)`); got != http.StatusForbidden {
		t.Errorf("the operator's GET /audit/reads = %d, want 403", got)
	}
	const address = "oleg.k@example.ru"
	anna.Do(chromedp.Navigate(r.origin+"/?q="+url.QueryEscape(address)), chromedp.WaitVisible(chromedp.CSS(`table#queue`)))

	petr := r.signIn(t, "petr", r.addUser(t, "petr", "auditor"))
	petr.Do(chromedp.Navigate(r.origin+"/tickets/"+number), chromedp.WaitVisible(chromedp.CSS(`section#reads-box`)))
	read := func(action string) string {
		return `!!document.querySelector('#reads tr[data-actor="anna"][data-action="` + action + `"]')`
	}
	for _, action := range []string{"read.ticket", "read.file", "read.letter"} {
		if !evalJS[bool](t, petr, read(action)) {
			t.Errorf("the auditor's ticket page does not list anna's %s:\n%s", action,
				evalJS[string](t, petr, `document.querySelector("#reads").innerText`))
		}
	}
	if got := evalJS[string](t, petr, `document.querySelector("#reads tbody tr").getAttribute("data-actor")`); got != "petr" {
		t.Errorf("the newest read is %q's, want the auditor's own", got)
	}

	petr.Do(chromedp.Click(chromedp.CSS(`a#nav-reads`)), chromedp.WaitVisible(chromedp.CSS(`table#audit-reads`)))
	if shots := screenshotDir(t); shots != "" {
		shoot(t, petr, filepath.Join(shots, "console-reads.png"))
	}
	petr.Do(chromedp.SendKeys(chromedp.CSS(`form#reads-filter input[name=user]`), "anna"),
		chromedp.Click(chromedp.CSS(`form#reads-filter button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`table#audit-reads`)))
	waitJS(t, petr, `location.search.includes("user=anna")`, "the filtered page")
	actors := evalJS[[]string](t, petr, `[...document.querySelectorAll("#audit-reads tr[data-id]")].map(tr => tr.getAttribute("data-actor"))`)
	if len(actors) < 4 {
		t.Errorf("anna's reads: %q, want her page, file, letter and search", actors)
	}
	for _, a := range actors {
		if a != "anna" {
			t.Errorf("the reads filtered by anna list one by %q", a)
		}
	}
	search := evalJS[string](t, petr, `(document.querySelector('#audit-reads tr[data-action="read.search"] td.detail') || {}).textContent || ""`)
	if search != "o…@example.ru" {
		t.Errorf("anna's search is listed as %q, want o…@example.ru", search)
	}
	if body := evalJS[string](t, petr, `document.body.innerText`); strings.Contains(body, address) {
		t.Errorf("the reads page shows the address searched for, %s", address)
	}
	checkQuiet(t, petr, r.origin)
}
