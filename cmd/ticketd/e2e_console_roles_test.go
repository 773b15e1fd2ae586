package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ticketd/ticketd/replies"
)

// writes are the console's state-changing requests on a ticket, each with
// a form that would be accepted from an operator at version v.
func writes(number string, v int64) [][2]string {
	return [][2]string{
		{"/tickets/" + number + "/reply", fmt.Sprintf("template=resolved&action=send&version=%d", v)},
		{"/tickets/" + number + "/status", fmt.Sprintf("status=closed&version=%d", v)},
		{"/tickets/" + number + "/assign", fmt.Sprintf("action=take&version=%d", v)},
		{"/tickets/" + number + "/priority", fmt.Sprintf("priority=high&reason=forged&version=%d", v)},
		{"/tickets/" + number + "/notes", "text=forged"},
	}
}

// unchanged fails the test if the ticket changed since before: its
// version moves with any change to it or its letters, and notes leave
// events.
func unchanged(t *testing.T, r *consoleRig, before replies.Conversation, what string) {
	t.Helper()
	after := r.conversation(t, before.Number)
	if after.Version != before.Version || after.Status != before.Status || after.Assignee != before.Assignee ||
		after.Priority != before.Priority || len(after.Messages) != len(before.Messages) || len(after.Events) != len(before.Events) {
		t.Errorf("%s changed %s: version %d → %d, status %s → %s, assignee %q → %q, priority %s → %s, letters %d → %d, events %d → %d",
			what, before.Number, before.Version, after.Version, before.Status, after.Status, before.Assignee, after.Assignee,
			before.Priority, after.Priority, len(before.Messages), len(after.Messages), len(before.Events), len(after.Events))
	}
}

// TestConsoleAuditorChangesNothing signs an auditor in: the ticket page
// shows the letters but no reply, status, assign, priority or note form,
// and the server refuses each of those requests with 403 whether a script
// of the page sends it or a plain client with the auditor's cookie.
func TestConsoleAuditorChangesNothing(t *testing.T) {
	r := startConsole(t, sampleSeed(t)...)
	p := r.signIn(t, "petr", r.addUser(t, "petr", "auditor"))
	waitJS(t, p, `document.querySelectorAll("#queue tr[data-ticket]").length >= 7`, "the sample letters on the queue")
	const number = "TKT-000001"
	p.Do(chromedp.Navigate(r.origin+"/tickets/"+number),
		chromedp.WaitVisible(chromedp.CSS(`main#ticket article.letter[data-direction=in]`)))
	controls := evalJS[[]string](t, p, `[...document.querySelectorAll("form#reply, form#status, form#assign, form#priority, form#note, button[name=action], select[name=status], select[name=template]")].map(e => e.tagName + "#" + e.id)`)
	if len(controls) > 0 {
		t.Errorf("the auditor's ticket page shows controls: %q", controls)
	}
	before := r.conversation(t, number)

	for _, w := range writes(number, before.Version) {
		status := evalJS[int](t, p, `fetch(`+jsString(w[0])+`, {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: `+jsString(w[1])+`}).then(r => r.status)`)
		if status != http.StatusForbidden {
			t.Errorf("the auditor's page POST %s = %d, want 403", w[0], status)
		}
	}
	cookie := r.sessionCookie(t, p)
	for _, w := range writes(number, before.Version) {
		if status := r.post(t, w[0], w[1], cookie); status != http.StatusForbidden {
			t.Errorf("POST %s with the auditor's cookie = %d, want 403", w[0], status)
		}
	}
	unchanged(t, r, before, "the auditor")
	checkQuiet(t, p, r.origin)
}

// TestConsoleRefusesOtherOrigins has a signed-in operator visit a page of
// another site that posts to the console, by a form it submits and by
// fetch; and sends the same request with the operator's cookie as from
// another origin. Nothing changes; the same request from no origin (a
// plain client) is accepted, so it is the origin that was refused.
func TestConsoleRefusesOtherOrigins(t *testing.T) {
	r := startConsole(t, sampleSeed(t)...)
	p := r.signIn(t, "anna", r.addUser(t, "anna", "operator"))
	const number = "TKT-000002"
	before := r.conversation(t, number)
	target := r.origin + "/tickets/" + number + "/status"

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `<!doctype html><title>Вы выиграли</title>
<form id="f" method="post" action="%s"><input type="hidden" name="status" value="closed"><input type="hidden" name="version" value="%d"></form>
<script src="/go.js"></script>`, target, before.Version)
	})
	mux.HandleFunc("GET /go.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, `fetch(%q, {method: "POST", mode: "no-cors", credentials: "include", body: new URLSearchParams({status: "closed", version: "%d"})})
  .finally(() => document.getElementById("f").submit());`, target, before.Version)
	})
	evil := httptest.NewServer(mux)
	defer evil.Close()
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1) // another site than the console's 127.0.0.1

	p.Do(chromedp.Navigate(evilURL + "/"))
	waitJS(t, p, `location.origin === `+jsString(r.origin), "the other site's form to reach the console")
	settle(t, p)
	unchanged(t, r, before, "another site's page")

	cookie := r.sessionCookie(t, p)
	form := url.Values{"status": {"closed"}, "version": {fmt.Sprint(before.Version)}}.Encode()
	for _, h := range [][]string{
		{"Origin", evilURL},
		{"Origin", "null"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
	} {
		if status := r.post(t, "/tickets/"+number+"/status", form, cookie, h...); status != http.StatusForbidden {
			t.Errorf("POST with the operator's cookie and %s: %s = %d, want 403", h[0], h[1], status)
		}
	}
	unchanged(t, r, before, "requests from other origins")
	if status := r.post(t, "/tickets/"+number+"/status", form, cookie); status != http.StatusSeeOther {
		t.Errorf("POST with the operator's cookie from no origin = %d, want 303 (the cookie works; the origin was refused)", status)
	}
	if got := r.conversation(t, number).Status; got != "closed" {
		t.Errorf("status after the plain client's request = %s, want closed", got)
	}
}

// TestConsoleDisabledUserSignedOut disables a signed-in operator with the
// command line: the next page load is the sign-in form, and a request
// with the old cookie changes nothing.
func TestConsoleDisabledUserSignedOut(t *testing.T) {
	r := startConsole(t, sampleSeed(t)...)
	p := r.signIn(t, "anna", r.addUser(t, "anna", "operator"))
	const number = "TKT-000003"
	p.Do(chromedp.Navigate(r.origin+"/tickets/"+number), chromedp.WaitVisible(chromedp.CSS(`form#reply`)))
	cookie := r.sessionCookie(t, p)
	before := r.conversation(t, number)

	if out := r.ticketd(t, "users", "disable", "anna", "-operator", "e2e"); !strings.Contains(out, "disabled anna") {
		t.Errorf("users disable anna printed %q", out)
	}
	p.Do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`form#login`)))
	if loc, _ := chromedp.Run(p.Context(), chromedp.Location()); !strings.HasPrefix(loc, r.origin+"/login") {
		t.Errorf("after the user was disabled, the ticket page reloads to %s, want /login", loc)
	}
	p.Do(chromedp.Navigate(r.origin+"/"), chromedp.WaitVisible(chromedp.CSS(`form#login`)))
	if status := r.post(t, "/tickets/"+number+"/status", "status=closed&version=0", cookie); status == http.StatusSeeOther {
		t.Errorf("POST with a disabled user's cookie = 303, want it refused")
	}
	unchanged(t, r, before, "a disabled user")
	checkQuiet(t, p, r.origin)
}
