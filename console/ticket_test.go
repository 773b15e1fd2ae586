package console

import (
	"context"
	"encoding/base64"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/console/internal/mailview"
	"github.com/ticketd/ticketd/store"
	"golang.org/x/net/html"
)

// hostileHTML is a citizen's HTML letter with every trick the browser
// test checks, a hostile subject (Zammad CVE-2018-1000154) and file
// name, an inline image and a tracking pixel.
func hostileHTML(shot []byte) string {
	return "From: =?utf-8?b?0JjQstCw0L0=?= <citizen@example.ru>\r\n" +
		"To: support@example.ru\r\n" +
		"Subject: <img src=x onerror=alert('subject')>\r\n" +
		"Message-ID: <hostile@example.ru>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/related; boundary=\"b1\"\r\n" +
		"\r\n" +
		"--b1\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"\r\n" +
		"<html><head><meta http-equiv=refresh content=\"0;url=https://evil.example/r\"><base href=\"https://evil.example/\">" +
		"<style>@import url(https://evil.example/x.css); body{background:url(https://evil.example/bg)}</style></head>" +
		"<body onload=alert(1)><p>Не могу войти в личный кабинет, СНИЛС 112-233-445 95</p>" +
		"<script>alert(1)</script><img src=x onerror=alert(2)><a href=\"javascript:alert(3)\">click</a>" +
		"<img src=\"https://evil.example/pixel.gif\" alt=\"pixel\"><svg><script>alert(4)</script></svg>" +
		"<div style=\"background:url(https://evil.example/d)\">styled</div><form action=\"https://evil.example/f\"><input name=a></form>" +
		"<img src=\"cid:shot@example.ru\" alt=\"shot\"><a href=\"https://gosuslugi.example/help\">help</a></body></html>\r\n" +
		"--b1\r\n" +
		"Content-Type: image/png; name=\"shot.png\"\r\n" +
		"Content-ID: <shot@example.ru>\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		base64.StdEncoding.EncodeToString(shot) + "\r\n" +
		"--b1--\r\n"
}

// plainLetter is a citizen's plain-text letter.
func plainLetter(id, text string) string {
	return "From: citizen@example.ru\r\nTo: support@example.ru\r\nSubject: Вход\r\nMessage-ID: <" + id + ">\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"
}

// hostileTicket stores the hostile letter with an accepted screenshot
// (the inline image), and a rejected file whose name is hostile.
func (f *fixture) hostileTicket() (store.Ticket, []byte, []byte) {
	f.t.Helper()
	return hostileInto(f.t, f.db, f.clock.Now(), 0)
}

// hostileInto stores the hostile letter in db, on ticket ticketID (0: a
// new one), and returns the ticket, the screenshot and the refused file.
func hostileInto(tb testing.TB, db *store.DB, now time.Time, ticketID int64) (store.Ticket, []byte, []byte) {
	tb.Helper()
	shot := pngImage(tb, color.RGBA{200, 10, 10, 255})
	thumb := pngImage(tb, color.RGBA{10, 200, 10, 255})
	exe := []byte("MZ\x90\x00 this is not a screenshot")
	mid, raw := "hostile@example.ru", hostileHTML(shot)
	if ticketID != 0 { // another such letter, not the same
		mid = fmt.Sprintf("hostile-%d@example.ru", time.Now().UnixNano())
		raw = strings.Replace(raw, "<hostile@example.ru>", "<"+mid+">", 1)
	}
	t := ingestInto(tb, db, now, inLetter{raw: raw, messageID: mid,
		subject: "<img src=x onerror=alert('subject')>", ticketID: ticketID,
		files: []store.Attachment{
			{Filename: "shot.png", DeclaredType: "image/png", DetectedType: "image/png", Size: int64(len(shot)), SHA256: sumOf(shot),
				Verdict: store.VerdictAccepted, Width: 4, Height: 3, Data: shot, Thumbnail: thumb, Display: [][]byte{shot}},
			{Filename: `"><script>alert(5)</script>.exe`, OriginalName: "счёт.exe", DeclaredType: "application/pdf",
				DetectedType: "application/x-msdownload", Size: int64(len(exe)), SHA256: sumOf(exe), Verdict: store.VerdictRejected,
				Reason: "wrong_type", Detail: "type=application/x-msdownload; allowed=image/jpeg,image/png,application/pdf", Data: exe},
		}})
	return t, shot, exe
}

func TestTicketPageHostileLetter(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk, shot, _ := f.hostileTicket()
	c := f.signIn("anna")
	resp, body := f.do(request{path: "/tickets/" + tk.Number, cookies: withCookie(c)})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET ticket = %s\n%s", resp.Status, body)
	}
	p := parseHTMLPage(t, body)

	// The outer page: no script but the console's own, no handler, no
	// remote URL, the subject and file name as text.
	for _, n := range p.find(func(*html.Node) bool { return true }) {
		if n.Data == "script" && nodeAttr(n, "src") != "/static/console.js" {
			t.Errorf("page holds a script: %v", n.Attr)
		}
		if n.Data == "svg" || n.Data == "base" || n.Data == "object" || n.Data == "embed" || n.Namespace != "" {
			t.Errorf("page holds <%s>", n.Data)
		}
		if n.Data == "meta" && nodeAttr(n, "http-equiv") != "" {
			t.Errorf("page holds a meta http-equiv: %v", n.Attr)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") || strings.Contains(a.Val, "evil.example") && a.Key != "srcdoc" ||
				strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("page holds <%s %s=%q>", n.Data, a.Key, a.Val)
			}
		}
	}
	if strings.Contains(body, "evil.example") {
		t.Errorf("page names evil.example: the sanitiser let a URL through")
	}
	if !strings.Contains(body, "&lt;img src=x onerror=alert(&#39;subject&#39;)&gt;") {
		t.Errorf("the hostile subject is not shown escaped")
	}
	if !strings.Contains(body, "&#34;&gt;&lt;script&gt;alert(5)&lt;/script&gt;.exe") {
		t.Errorf("the hostile file name is not shown escaped")
	}

	// The letter: only inside a sandboxed srcdoc, safe even there.
	frames := p.byClass("iframe", "letter-html")
	if len(frames) != 1 {
		t.Fatalf("%d iframe.letter-html, want 1", len(frames))
	}
	fr := frames[0]
	if sb := nodeAttr(fr, "sandbox"); !nodeHasAttr(fr, "sandbox") || strings.Contains(sb, "allow-scripts") || strings.Contains(sb, "allow-same-origin") {
		t.Errorf("iframe sandbox = %q, want one without allow-scripts and allow-same-origin", sb)
	}
	if nodeAttr(fr, "referrerpolicy") != "no-referrer" {
		t.Errorf("iframe referrerpolicy = %q", nodeAttr(fr, "referrerpolicy"))
	}
	doc := nodeAttr(fr, "srcdoc")
	if !strings.Contains(doc, `content="default-src 'none'; img-src data:;`) {
		t.Errorf("srcdoc lacks its CSP: %q", doc)
	}
	for _, bad := range []string{"<script", "onerror", "onload", "javascript:", "evil.example", "<svg", "<form", "<base", "refresh", "url("} {
		if strings.Contains(strings.ToLower(doc), bad) {
			t.Errorf("srcdoc holds %q: %s", bad, doc)
		}
	}
	if !strings.Contains(doc, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(shot)) {
		t.Errorf("srcdoc lacks the inline screenshot as data: URI")
	}
	if !strings.Contains(doc, `<a href="https://gosuslugi.example/help" target="_blank" rel="noopener noreferrer nofollow">`) {
		t.Errorf("srcdoc lacks the safe link: %s", doc)
	}

	// The page's CSP lets the letter's style sheet in, and no remote image.
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, mailview.StyleHash()) || strings.Contains(csp, "https:") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	if p.byID("a", "load-images") == nil {
		t.Errorf("no link to load the blocked remote image")
	}
	if len(p.byClass("p", "personal")) == 0 || !strings.Contains(body, "СНИЛС") {
		t.Errorf("the SNILS in the letter is not flagged")
	}
	// Files: a thumbnail of the accepted screenshot, the rejected file
	// listed with its reason, linked to a download, never an image.
	if thumbs := p.find(func(n *html.Node) bool {
		return n.Data == "img" && nodeAttr(n, "src") == "/tickets/"+tk.Number+"/files/"+sumOf(shot)+"/thumbnail"
	}); len(thumbs) != 1 {
		t.Errorf("%d thumbnails of the screenshot, want 1", len(thumbs))
	}
	if rej := p.byClass("div", "rejected"); len(rej) != 1 || !strings.Contains(nodeText(rej[0]), "application/x-msdownload") {
		t.Errorf("rejected files not listed with their type")
	}

	// With ?images=1 the remote image loads, and the CSP allows it.
	resp, body = f.do(request{path: "/tickets/" + tk.Number + "?images=1", cookies: withCookie(c)})
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: http: https:") {
		t.Errorf("CSP with images = %q", csp)
	}
	doc = nodeAttr(parseHTMLPage(t, body).byClass("iframe", "letter-html")[0], "srcdoc")
	if !strings.Contains(doc, `src="https://evil.example/pixel.gif" referrerpolicy="no-referrer"`) || !strings.Contains(doc, "img-src data: http: https:") {
		t.Errorf("with images=1 the srcdoc has no remote image: %s", doc)
	}
}

// replyForm posts the reply form.
func (f *fixture) postReply(c *http.Cookie, number string, version int64, action, template string, vars map[string]string) (*http.Response, string) {
	f.t.Helper()
	form := url.Values{"version": {strconv.FormatInt(version, 10)}, "action": {action}, "template": {template}, "shown": {template}}
	for k, v := range vars {
		form.Set("var."+k, v)
	}
	return f.do(request{method: "POST", path: "/tickets/" + number + "/reply", form: form, cookies: withCookie(c)})
}

func TestTicketReply(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk := f.ingest(inLetter{raw: plainLetter("q1@example.ru", "Где моё заявление?"), messageID: "q1@example.ru", subject: "Вход"})
	c := f.signIn("anna")

	// The page offers the operators' templates and none of the automatic.
	_, body := f.do(request{path: "/tickets/" + tk.Number, cookies: withCookie(c)})
	p := parseHTMLPage(t, body)
	form := p.byID("form", "reply")
	if form == nil {
		t.Fatalf("no form#reply:\n%s", body)
	}
	if v, _ := formValue(form, "version"); v != strconv.FormatInt(tk.Version, 10) {
		t.Errorf("reply version = %q, want %d", v, tk.Version)
	}
	// Each by its title and description in the page's language, its name
	// the value sent.
	var choices []string
	labels := map[string]string{}
	for _, o := range p.find(func(n *html.Node) bool {
		return n.Data == "option" && n.Parent != nil && nodeAttr(n.Parent, "name") == "template"
	}) {
		choices = append(choices, nodeAttr(o, "value"))
		labels[nodeAttr(o, "value")] = nodeText(o)
	}
	if slices.Contains(choices, "ack_priority") || !slices.Contains(choices, "request_info") {
		t.Errorf("template choices = %q, want the operators' templates only", choices)
	}
	if got, want := labels["status"], "Статус заявления — Сообщить, что заявление в работе, одобрено или отклонено"; got != want {
		t.Errorf("status template shown as %q, want %q", got, want)
	}

	// Choosing a template shows its fields, without complaint.
	resp, body := f.do(request{method: "POST", path: "/tickets/" + tk.Number + "/reply", cookies: withCookie(c),
		form: url.Values{"version": {strconv.FormatInt(tk.Version, 10)}, "action": {"preview"}, "template": {"status"}, "shown": {""}}})
	p = parseHTMLPage(t, body)
	if _, ok := formValue(p.byID("form", "reply"), "var.status"); resp.StatusCode != http.StatusOK || !ok || strings.Contains(body, "flash error") {
		t.Errorf("choosing status = %s, var.status shown %v, error shown %v", resp.Status, ok, strings.Contains(body, "flash error"))
	}
	if p.byID("section", "preview") != nil {
		t.Errorf("choosing a template previewed a letter")
	}
	// Sending a template whose fields were not shown sends nothing.
	resp, body = f.do(request{method: "POST", path: "/tickets/" + tk.Number + "/reply", cookies: withCookie(c),
		form: url.Values{"version": {strconv.FormatInt(tk.Version, 10)}, "action": {"send"}, "template": {"resolved"}, "shown": {"status"}}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Шаблон сменился") {
		t.Errorf("send of a template not shown = %s", resp.Status)
	}
	// Sending without a template says to choose one.
	resp, body = f.postReply(c, tk.Number, tk.Version, "send", "", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Выберите шаблон") {
		t.Errorf("send without template = %s", resp.Status)
	}

	// A missing variable blocks sending, names it, and keeps the rest.
	resp, body = f.postReply(c, tk.Number, tk.Version, "send", "status", map[string]string{"comment": "Проверим <b>завтра</b>"})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("send without status = %s, want 422", resp.Status)
	}
	p = parseHTMLPage(t, body)
	if fl := p.byClass("p", "flash"); len(fl) == 0 || !strings.Contains(nodeText(fl[0]), "(status)") {
		t.Errorf("no .flash.error naming the variable status:\n%s", body)
	}
	if v, _ := formValue(p.byID("form", "reply"), "var.comment"); v != "Проверим <b>завтра</b>" {
		t.Errorf("var.comment kept as %q", v)
	}
	if _, ok := formValue(p.byID("form", "reply"), "var.status"); !ok {
		t.Errorf("no var.status field")
	}
	if n, _ := f.db.Count(context.Background()); n.Outbound != 0 {
		t.Fatalf("a letter was queued: %+v", n)
	}

	// The preview shows the letter, text and HTML, and queues nothing.
	vars := map[string]string{"status": "approved", "application": "12-345", "comment": "Проверим <b>завтра</b>"}
	resp, body = f.postReply(c, tk.Number, tk.Version, "preview", "status", vars)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("preview = %s\n%s", resp.Status, body)
	}
	p = parseHTMLPage(t, body)
	if p.byID("section", "preview") == nil {
		t.Fatalf("no section#preview")
	}
	pre := p.byClass("pre", "preview-text")
	if len(pre) != 1 || !strings.Contains(nodeText(pre[0]), "12-345") || !strings.Contains(nodeText(pre[0]), "Проверим <b>завтра</b>") {
		t.Errorf("pre.preview-text = %v", pre)
	}
	frames := p.byClass("iframe", "preview-html")
	if len(frames) != 1 || !strings.Contains(nodeAttr(frames[0], "srcdoc"), "12-345") || strings.Contains(nodeAttr(frames[0], "srcdoc"), "<b>завтра") {
		t.Errorf("iframe.preview-html missing, or the operator's <b> not escaped")
	}
	if n, _ := f.db.Count(context.Background()); n.Outbound != 0 {
		t.Fatalf("the preview queued a letter: %+v", n)
	}

	// Send: queued through the outbox with the operator, then redirected.
	resp, body = f.postReply(c, tk.Number, tk.Version, "send", "status", vars)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tickets/"+tk.Number+"?done=reply" {
		t.Fatalf("send = %s to %q\n%s", resp.Status, resp.Header.Get("Location"), body)
	}
	msgs, err := f.db.Messages(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.Direction != store.DirectionOut || last.Operator != "anna" || last.Template != "status" || last.ToAddress != "citizen@example.ru" {
		t.Errorf("last letter = %+v, want status by anna to the citizen", last)
	}
	if n, _ := f.db.Count(context.Background()); n.Unsent != 1 {
		t.Errorf("unsent = %d, want 1", n.Unsent)
	}
	if got := f.ticketNow(tk.Number); got.Status != store.StatusAnswered {
		t.Errorf("status = %s, want answered", got.Status)
	}
	_, body = f.do(request{path: "/tickets/" + tk.Number + "?done=reply", cookies: withCookie(c)})
	p = parseHTMLPage(t, body)
	if arts := p.find(func(n *html.Node) bool { return n.Data == "article" && nodeAttr(n, "data-direction") == "out" }); len(arts) != 1 ||
		!strings.Contains(nodeText(arts[0]), "anna") || !strings.Contains(nodeText(arts[0]), "Статус заявления") {
		t.Errorf("the reply is not shown as a letter out by anna from the template Статус заявления")
	}
	if !strings.Contains(body, `class="flash notice"`) {
		t.Errorf("no notice after sending")
	}
}

func TestTicketConflict(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk := f.ingest(inLetter{raw: plainLetter("c1@example.ru", "Не работает"), messageID: "c1@example.ru", subject: "Вход"})
	c := f.signIn("anna")
	seen := tk.Version

	// The citizen writes again while the page is open.
	f.ingest(inLetter{raw: plainLetter("c2@example.ru", "Уже неважно, разобрался"), messageID: "c2@example.ru", ticketID: tk.ID})
	now := f.ticketNow(tk.Number)
	if now.Version == seen {
		t.Fatal("the follow-up did not change the version")
	}

	vars := map[string]string{"comment": "Рады помочь"}
	resp, body := f.postReply(c, tk.Number, seen, "send", "resolved", vars)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("send on a stale version = %s, want 409\n%s", resp.Status, body)
	}
	p := parseHTMLPage(t, body)
	conflict := p.byID("section", "conflict")
	if conflict == nil || !strings.Contains(nodeText(conflict), "новое письмо заявителя") {
		t.Fatalf("#conflict does not say a letter came:\n%s", body)
	}
	form := p.byID("form", "reply")
	if v, _ := formValue(form, "var.comment"); v != "Рады помочь" {
		t.Errorf("var.comment = %q, want kept", v)
	}
	if v, _ := formValue(form, "template"); v != "resolved" {
		t.Errorf("template = %q, want kept", v)
	}
	if v, _ := formValue(form, "version"); v != strconv.FormatInt(now.Version, 10) {
		t.Errorf("version = %q, want the current %d", v, now.Version)
	}
	if n, _ := f.db.Count(context.Background()); n.Outbound != 0 {
		t.Fatalf("a letter was queued despite the conflict")
	}
	// Decided again on what changed, it goes.
	if resp, body := f.postReply(c, tk.Number, now.Version, "send", "resolved", vars); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("send at the current version = %s\n%s", resp.Status, body)
	}

	// The small forms refuse a stale version too.
	resp, body = f.do(request{method: "POST", path: "/tickets/" + tk.Number + "/status", cookies: withCookie(c),
		form: url.Values{"version": {strconv.FormatInt(seen, 10)}, "status": {"closed"}}})
	if resp.StatusCode != http.StatusConflict || parseHTMLPage(t, body).byID("section", "conflict") == nil {
		t.Errorf("status on a stale version = %s, want 409 with #conflict", resp.Status)
	}
	if got := f.ticketNow(tk.Number); got.Status == store.StatusClosed {
		t.Errorf("the ticket was closed despite the conflict")
	}
	// A form without a version is refused: the page always sends one.
	resp, _ = f.do(request{method: "POST", path: "/tickets/" + tk.Number + "/status", cookies: withCookie(c),
		form: url.Values{"status": {"closed"}}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status without version = %s, want 400", resp.Status)
	}
}

func TestTicketActions(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk := f.ingest(inLetter{raw: plainLetter("a1@example.ru", "Помогите"), messageID: "a1@example.ru", subject: "Вход"})
	c := f.signIn("anna")
	post := func(path string, form url.Values) (*http.Response, string) {
		if _, ok := form["version"]; !ok && path != "notes" {
			form.Set("version", strconv.FormatInt(f.ticketNow(tk.Number).Version, 10))
		}
		return f.do(request{method: "POST", path: "/tickets/" + tk.Number + "/" + path, form: form, cookies: withCookie(c)})
	}
	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		check  func(t *testing.T, got store.Ticket, body string)
	}{
		{"take", "assign", url.Values{"action": {"take"}}, http.StatusSeeOther,
			func(t *testing.T, got store.Ticket, _ string) {
				if got.Assignee != "anna" {
					t.Errorf("assignee = %q", got.Assignee)
				}
			}},
		{"release", "assign", url.Values{"action": {"release"}}, http.StatusSeeOther,
			func(t *testing.T, got store.Ticket, _ string) {
				if got.Assignee != "" {
					t.Errorf("assignee = %q", got.Assignee)
				}
			}},
		{"status", "status", url.Values{"status": {"in_progress"}}, http.StatusSeeOther,
			func(t *testing.T, got store.Ticket, _ string) {
				if got.Status != store.StatusInProgress {
					t.Errorf("status = %s", got.Status)
				}
			}},
		{"unknown status", "status", url.Values{"status": {"gone"}}, http.StatusUnprocessableEntity, nil},
		{"priority without reason", "priority", url.Values{"priority": {"high"}, "reason": {"  "}}, http.StatusUnprocessableEntity,
			func(t *testing.T, got store.Ticket, body string) {
				if got.Priority != store.PriorityNormal || !strings.Contains(body, "Укажите причину") {
					t.Errorf("priority = %s; the page does not ask for a reason", got.Priority)
				}
			}},
		{"priority", "priority", url.Values{"priority": {"high"}, "reason": {"заблокирован вход"}}, http.StatusSeeOther,
			func(t *testing.T, got store.Ticket, _ string) {
				if got.Priority != store.PriorityHigh || got.PriorityReason != "заблокирован вход" {
					t.Errorf("priority = %s (%s)", got.Priority, got.PriorityReason)
				}
			}},
		{"empty note", "notes", url.Values{"text": {" "}}, http.StatusUnprocessableEntity, nil},
		{"note", "notes", url.Values{"text": {"Позвонить <утром>"}}, http.StatusSeeOther,
			func(t *testing.T, got store.Ticket, _ string) {
				notes, err := f.db.Notes(context.Background(), got.ID)
				if err != nil || len(notes) != 1 || notes[0].Text != "Позвонить <утром>" || notes[0].Author != "operator:anna" {
					t.Errorf("notes = %+v, %v", notes, err)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(tc.path, tc.form)
			if resp.StatusCode != tc.status {
				t.Fatalf("POST %s = %s, want %d\n%s", tc.path, resp.Status, tc.status, body)
			}
			if tc.check != nil {
				tc.check(t, f.ticketNow(tk.Number), body)
			}
		})
	}
	_, body := f.do(request{path: "/tickets/" + tk.Number, cookies: withCookie(c)})
	p := parseHTMLPage(t, body)
	notes := p.byID("ul", "notes")
	if notes == nil || !strings.Contains(nodeText(notes), "Позвонить <утром>") {
		t.Errorf("the note is not shown")
	}
	events := nodeText(p.byID("table", "events"))
	for _, want := range []string{"назначен исполнитель", "назначение снято", "статус изменён", "приоритет изменён", "заблокирован вход", "operator:anna"} {
		if !strings.Contains(events, want) {
			t.Errorf("event log lacks %q: %s", want, events)
		}
	}
	if n, _ := f.db.Count(context.Background()); n.Outbound != 0 {
		t.Errorf("an action mailed something: %+v", n)
	}
}

// writeRoutes are the ticket routes that change something, with a body.
func writeRoutes(number string) []request {
	return []request{
		{method: "POST", path: "/tickets/" + number + "/reply", form: url.Values{"version": {"1"}, "action": {"send"}, "template": {"instructions_sms"}}},
		{method: "POST", path: "/tickets/" + number + "/status", form: url.Values{"version": {"1"}, "status": {"closed"}}},
		{method: "POST", path: "/tickets/" + number + "/assign", form: url.Values{"version": {"1"}, "action": {"take"}}},
		{method: "POST", path: "/tickets/" + number + "/priority", form: url.Values{"version": {"1"}, "priority": {"high"}, "reason": {"x"}}},
		{method: "POST", path: "/tickets/" + number + "/notes", form: url.Values{"text": {"x"}}},
	}
}

func TestTicketAuditor(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk, shot, _ := f.hostileTicket()
	before := f.ticketNow(tk.Number)
	c := f.signIn("ivan")

	resp, body := f.do(request{path: "/tickets/" + tk.Number, cookies: withCookie(c)})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("auditor GET = %s", resp.Status)
	}
	p := parseHTMLPage(t, body)
	if forms := p.find(func(n *html.Node) bool { return n.Data == "form" && nodeAttr(n, "id") != "logout" }); len(forms) != 0 {
		t.Errorf("an auditor is shown %d forms", len(forms))
	}
	if len(p.byClass("iframe", "letter-html")) != 1 || p.byID("table", "events") == nil {
		t.Errorf("an auditor does not see the letter or the event log")
	}
	for _, req := range writeRoutes(tk.Number) {
		req.cookies = withCookie(c)
		if resp, _ := f.do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("auditor %s %s = %s, want 403", req.method, req.path, resp.Status)
		}
	}
	tok := f.token("ivan")
	for _, req := range []request{
		{method: "POST", path: "/api/v1/tickets/" + tk.Number + "/replies"},
		{method: "POST", path: "/api/v1/tickets/" + tk.Number + "/status"},
	} {
		req.header = map[string]string{"Authorization": "Bearer " + tok}
		if resp, _ := f.do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("auditor %s %s = %s, want 403", req.method, req.path, resp.Status)
		}
	}
	if after := f.ticketNow(tk.Number); after.Version != before.Version {
		t.Errorf("the auditor changed the ticket: version %d → %d", before.Version, after.Version)
	}
	// Auditors read everything: the raw letter and the files.
	msgs, _ := f.db.Messages(context.Background(), tk.ID)
	for _, path := range []string{fmt.Sprintf("/tickets/%s/messages/%d/raw", tk.Number, msgs[0].ID), "/tickets/" + tk.Number + "/files/" + sumOf(shot)} {
		if resp, _ := f.do(request{path: path, cookies: withCookie(c)}); resp.StatusCode != http.StatusOK {
			t.Errorf("auditor GET %s = %s", path, resp.Status)
		}
	}
}

func TestTicketFiles(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk, shot, exe := f.hostileTicket()
	other := f.ingest(inLetter{raw: plainLetter("o1@example.ru", "другое"), messageID: "o1@example.ru", subject: "x"})
	c := f.signIn("anna")
	msgs, _ := f.db.Messages(context.Background(), tk.ID)
	base := "/tickets/" + tk.Number
	tests := []struct {
		path        string
		status      int
		typ         string
		disposition string
	}{
		{base + "/files/" + sumOf(shot), 200, "image/png", `attachment; filename="shot.png"; filename*=UTF-8''shot.png`},
		{base + "/files/" + sumOf(shot) + "/thumbnail", 200, "image/png", "inline; "},
		{base + "/files/" + sumOf(shot) + "/image", 200, "image/png", `inline; filename="shot.png"`},
		{base + "/files/" + sumOf(exe), 200, "application/octet-stream",
			`attachment; filename="_><script>alert(5)</script>.exe"; filename*=UTF-8''%22%3E%3Cscript%3Ealert%285%29%3C%2Fscript%3E.exe`},
		{base + "/files/" + sumOf(exe) + "/thumbnail", 404, "", ""},
		{base + "/files/" + sumOf(exe) + "/image", 404, "", ""},
		{base + "/files/" + strings.Repeat("0", 64), 404, "", ""},
		{"/tickets/" + other.Number + "/files/" + sumOf(shot), 404, "", ""},
		{fmt.Sprintf("%s/messages/%d/raw", base, msgs[0].ID), 200, "message/rfc822",
			fmt.Sprintf(`attachment; filename="%s-%d.eml"`, tk.Number, msgs[0].ID)},
		{fmt.Sprintf("/tickets/%s/messages/%d/raw", other.Number, msgs[0].ID), 404, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := f.do(request{path: tc.path, cookies: withCookie(c)})
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s = %s, want %d", tc.path, resp.Status, tc.status)
			}
			if tc.status != 200 {
				return
			}
			h := resp.Header
			if h.Get("Content-Type") != tc.typ || !strings.HasPrefix(h.Get("Content-Disposition"), tc.disposition) ||
				h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != fileCSP {
				t.Errorf("headers = type %q, disposition %q, nosniff %q, CSP %q; want %q, %q…",
					h.Get("Content-Type"), h.Get("Content-Disposition"), h.Get("X-Content-Type-Options"),
					h.Get("Content-Security-Policy"), tc.typ, tc.disposition)
			}
			if tc.typ == "message/rfc822" && body != hostileHTML(shot) {
				t.Errorf("raw letter differs from what was stored")
			}
		})
	}
}

func TestContentDisposition(t *testing.T) {
	tests := []struct{ kind, name, want string }{
		{"attachment", "shot.png", `attachment; filename="shot.png"; filename*=UTF-8''shot.png`},
		{"attachment", "скан паспорта.pdf", `attachment; filename="____ ________.pdf"; filename*=UTF-8''%D1%81%D0%BA%D0%B0%D0%BD%20%D0%BF%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82%D0%B0.pdf`},
		{"attachment", "a\"b\\c%d\r\n.txt", `attachment; filename="a_b_c_d__.txt"; filename*=UTF-8''a%22b%5Cc%25d%0D%0A.txt`},
		{"inline", "", `inline; filename="file"; filename*=UTF-8''file`},
	}
	for _, tc := range tests {
		if got := contentDisposition(tc.kind, tc.name); got != tc.want {
			t.Errorf("contentDisposition(%q, %q) = %q, want %q", tc.kind, tc.name, got, tc.want)
		}
	}
}

func TestTicketCSP(t *testing.T) {
	plain, remote := ticketCSP(false), ticketCSP(true)
	if !strings.Contains(plain, "style-src 'self' "+mailview.StyleHash()+";") || strings.Contains(plain, "http:") {
		t.Errorf("ticketCSP(false) = %q", plain)
	}
	if !strings.Contains(remote, "img-src 'self' data: http: https:;") {
		t.Errorf("ticketCSP(true) = %q", remote)
	}
	for _, keep := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(remote, keep) {
			t.Errorf("ticketCSP(true) = %q, lost %q", remote, keep)
		}
	}
}

func TestTicketNotFound(t *testing.T) {
	f := newFixture(t, withOperator(t))
	c := f.signIn("anna")
	if resp, _ := f.do(request{path: "/tickets/TKT-999999", cookies: withCookie(c)}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET unknown ticket = %s", resp.Status)
	}
	if resp, _ := f.do(request{path: "/tickets/TKT-000001"}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET without session = %s, want a redirect to sign in", resp.Status)
	}
}

func TestTicketViewers(t *testing.T) {
	f := newFixture(t, withOperator(t))
	tk := f.ingest(inLetter{raw: plainLetter("v1@example.ru", "Кто смотрит?"), messageID: "v1@example.ru", subject: "x"})
	c := f.signIn("anna")
	viewers := func() *html.Node {
		_, body := f.do(request{path: "/tickets/" + tk.Number, cookies: withCookie(c)})
		return parseHTMLPage(t, body).byID("ul", "viewers")
	}
	if v := viewers(); v == nil || !nodeHasAttr(v, "hidden") {
		t.Fatalf("#viewers missing or shown with nobody else there")
	}
	for _, user := range []string{"anna", "root", "root"} {
		sub, err := f.server.feed.subscribe(context.Background(), user, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		defer f.server.feed.unsubscribe(sub)
	}
	v := viewers()
	if v == nil || nodeHasAttr(v, "hidden") || nodeText(v) != "root" {
		t.Errorf("#viewers = %q, want root alone (not anna herself, once)", nodeText(v))
	}
}
