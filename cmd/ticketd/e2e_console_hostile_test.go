package main

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"

	"github.com/ticketd/ticketd/internal/browsertest"
)

// hostileHTML is a letter's HTML body that tries every way e-mail HTML has
// been made to run script or call home (help desks' CVEs: Zammad, osTicket,
// FreeScout, UVdesk); canary is where each would call.
func hostileHTML(canary string) string {
	svg := base64.StdEncoding.EncodeToString([]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="fetch('` + canary + `/data-svg')"><script>alert('data-svg')</script></svg>`))
	return `<html><head>
<meta http-equiv="refresh" content="0; url=` + canary + `/meta-refresh">
<base href="` + canary + `/base/">
<link rel="stylesheet" href="` + canary + `/link.css">
<style>@import url(` + canary + `/import.css); body { background: url(` + canary + `/css-background.png) }</style>
<script>alert('script'); fetch('` + canary + `/script')</script>
<script src="` + canary + `/script.js"></script>
</head><body onload="alert('body-onload')">
<p>Здравствуйте! Не могу войти в личный кабинет, номер 4817263.</p>
<img src="` + canary + `/remote.png" alt="схема" onerror="alert('onerror'); fetch('` + canary + `/onerror')">
<img src="x" onerror="alert('onerror-x')">
<img src="relative.png">
<img src="data:image/svg+xml;base64,` + svg + `">
<img srcset="` + canary + `/srcset.png 1x">
<a href="javascript:alert('javascript-link')">ссылка</a>
<a href="JaVaScRiPt:fetch('` + canary + `/javascript-link')">ещё ссылка</a>
<a href="` + canary + `/plain-link">обычная ссылка</a>
<div style="background-image: url(` + canary + `/inline-style.png)">стиль</div>
<svg xmlns="http://www.w3.org/2000/svg" onload="alert('svg-onload')"><script>alert('svg-script')</script>
<image href="` + canary + `/svg-image.png"/><foreignObject><iframe src="` + canary + `/svg-iframe"></iframe></foreignObject></svg>
<math><mtext><table><mglyph><style><img src=x onerror="alert('mxss')"></style></mglyph></table></mtext></math>
<iframe src="` + canary + `/iframe"></iframe>
<iframe srcdoc="<script>alert('nested')</script>"></iframe>
<object data="` + canary + `/object"></object><embed src="` + canary + `/embed">
<form action="` + canary + `/form"><input name="q" value="x" autofocus onfocus="alert('onfocus')"><button formaction="javascript:alert('formaction')">go</button></form>
<details open ontoggle="alert('ontoggle')"><summary>подробнее</summary>текст</details>
<video poster="` + canary + `/poster.png" src="` + canary + `/video.mp4" autoplay></video>
<audio src="` + canary + `/audio.mp3" autoplay></audio>
<table background="` + canary + `/table-background.png"><tr><td>ячейка</td></tr></table>
<isindex action="` + canary + `/isindex">
<noscript><img src="` + canary + `/noscript.png"></noscript>
</body></html>`
}

// consoleHostileLetter is a letter whose every field carries markup: the subject
// (Zammad CVE-2018-1000154), the sender's name, the HTML body, and the
// name of an SVG attachment that itself holds a script.
func consoleHostileLetter(canary string) []byte {
	subject := `<script>alert('subject')</script><img src=` + canary + `/subject.png onerror=alert('subject')> Не могу войти`
	name := `"><img src=` + canary + `/from.png onerror=alert('from')>`
	svgName := `"><img src=` + canary + `/filename.png onerror=alert('filename')>.svg`
	svg := `<svg xmlns="http://www.w3.org/2000/svg"><script>fetch('` + canary + `/attachment')</script></svg>`
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s <hostile@example.ru>\r\nTo: support@ticketd.test\r\nSubject: %s\r\nDate: %s\r\n"+
		"Message-ID: <hostile-1@example.ru>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m1\"\r\n\r\n",
		mimeWord(name), mimeWord(subject), time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "--m1\r\nContent-Type: multipart/alternative; boundary=\"a1\"\r\n\r\n"+
		"--a1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nЗдравствуйте! <script>alert('text')</script> Не могу войти.\r\n"+
		"--a1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n%s\r\n--a1--\r\n", hostileHTML(canary))
	fmt.Fprintf(&b, "--m1\r\nContent-Type: image/svg+xml\r\nContent-Disposition: attachment; filename=%q\r\n\r\n%s\r\n--m1--\r\n", svgName, svg)
	return []byte(b.String())
}

// TestConsoleHostileLetter shows a hostile letter to an operator in
// Chromium: no script of it runs (no dialog, no console call, no
// exception), and the page asks nothing of anywhere but the console, by
// the browser's network log and by a canary listener every trick points
// at. Asked to load remote images, the page loads those images and
// nothing else.
func TestConsoleHostileLetter(t *testing.T) {
	canary := browsertest.StartCanary(t)
	r := startConsole(t)
	p := r.signIn(t, "anna", r.addUser(t, "anna", "operator"))
	r.dovecot.Append(t, "INBOX", consoleHostileLetter(canary.URL))
	waitJS(t, p, `document.querySelectorAll("#queue tr[data-ticket]").length === 1`, "the hostile letter on the queue")
	subject, err := chromedp.Run(p.Context(), chromedp.Text(chromedp.CSS(`#queue tr[data-ticket] td.subject`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(subject, "<script>alert('subject')</script>") {
		t.Errorf("queue subject = %q, want the markup shown as text", subject)
	}

	number := "TKT-000001"
	p.Do(chromedp.Navigate(r.origin+"/tickets/"+number),
		chromedp.WaitVisible(chromedp.CSS(`iframe.letter-html`)))
	settle(t, p)
	checkQuiet(t, p, r.origin)
	if hits := canary.Hits(); len(hits) > 0 {
		t.Errorf("the canary was called: %q", hits)
	}
	if loc, _ := chromedp.Run(p.Context(), chromedp.Location()); loc != r.origin+"/tickets/"+number {
		t.Errorf("the page went to %s", loc)
	}
	checkPageScripts(t, p)
	checkLetterDocument(t, p, canary.Addr, false)
	if shots := screenshotDir(t); shots != "" {
		shoot(t, p, filepath.Join(shots, "console-hostile.png"))
	}
	for _, m := range p.Console() {
		t.Logf("browser: %s", m) // what the browser itself said, such as a blocked script: for the reader, not asserted
	}

	// Remote images on request: the images load, nothing else does.
	p.Do(chromedp.Click(chromedp.CSS(`a#load-images`)),
		chromedp.WaitVisible(chromedp.CSS(`iframe.letter-html`)))
	waitJS(t, p, `location.search === "?images=1"`, "the page with images")
	settle(t, p)
	for _, d := range p.Dialogs() {
		t.Errorf("with images: the page opened a dialog: %s", d)
	}
	for _, m := range p.Scripts() {
		t.Errorf("with images: a script ran: %s", m)
	}
	var images []string
	for _, req := range p.RequestsOutside(r.origin) {
		if req.Type != "Image" {
			t.Errorf("with images: the page requested %s", req)
		}
		images = append(images, strings.TrimPrefix(req.URL, canary.URL))
	}
	if !slices.Contains(images, "/remote.png") {
		t.Errorf("with images: outside requests %q lack the letter's remote image", images)
	}
	for _, hit := range canary.Hits() {
		if !strings.Contains(hit, ".png HTTP/") {
			t.Errorf("with images: the canary got %q", hit)
		}
	}
	checkLetterDocument(t, p, canary.Addr, true)
}

// settle waits until the page has loaded and a little longer, for what a
// letter might do late (a refresh, a lazy frame, an error handler).
func settle(t *testing.T, p *browsertest.Page) {
	t.Helper()
	waitJS(t, p, `document.readyState === "complete"`, "the page's load")
	time.Sleep(2 * time.Second)
}

// checkPageScripts checks the console page itself: its only script is its
// own, and no element carries an event handler.
func checkPageScripts(t *testing.T, p *browsertest.Page) {
	t.Helper()
	scripts := evalJS[[]string](t, p, `[...document.scripts].map(s => s.src || "inline: " + s.text)`)
	if len(scripts) != 1 || !strings.HasSuffix(scripts[0], "/static/console.js") {
		t.Errorf("the page's scripts = %q, want only /static/console.js", scripts)
	}
	handlers := evalJS[[]string](t, p, `[...document.querySelectorAll("*")].flatMap(e => [...e.attributes].filter(a => a.name.startsWith("on")).map(a => e.tagName + " " + a.name))`)
	if len(handlers) > 0 {
		t.Errorf("elements of the page carry event handlers: %q", handlers)
	}
}

// checkLetterDocument reads the document the page puts in the letter's
// sandboxed iframe and checks that nothing in it can run or load: no
// element that holds script, a frame, a plug-in, a form, a base or a
// refresh; no event handler; no javascript: URL; no reference to the
// canary but, when remote images were asked for, an img's src. The
// iframe's sandbox must not allow scripts or its origin.
func checkLetterDocument(t *testing.T, p *browsertest.Page, canaryAddr string, remote bool) {
	t.Helper()
	sandbox, err := chromedp.Run(p.Context(), chromedp.AttributeValue(chromedp.CSS(`iframe.letter-html`), "sandbox"))
	if err != nil {
		t.Fatal(err)
	}
	if !sandbox.Exists || strings.Contains(sandbox.Value, "allow-scripts") || strings.Contains(sandbox.Value, "allow-same-origin") {
		t.Errorf("iframe.letter-html sandbox = %q (exists %v), want one without allow-scripts and allow-same-origin", sandbox.Value, sandbox.Exists)
	}
	src, err := chromedp.Run(p.Context(), chromedp.AttributeValue(chromedp.CSS(`iframe.letter-html`), "srcdoc"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(src.Value))
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.Type == html.TextNode && n.Parent != nil && n.Parent.Data == "style" && strings.Contains(n.Data, canaryAddr) {
			t.Errorf("the letter's document has a style sheet calling the canary: %q", n.Data)
		}
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
			"base", "link", "svg", "math", "video", "audio", "source", "isindex", "noscript":
			t.Errorf("the letter's document has a <%s>", n.Data)
		case "meta":
			for _, a := range n.Attr {
				if a.Key == "http-equiv" && !strings.EqualFold(a.Val, "Content-Security-Policy") {
					t.Errorf("the letter's document has <meta http-equiv=%q>", a.Val)
				}
			}
		}
		for _, a := range n.Attr {
			v := strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(a.Key, "on"):
				t.Errorf("the letter's document has <%s %s=%q>", n.Data, a.Key, a.Val)
			case strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:"):
				t.Errorf("the letter's document has <%s %s=%q>", n.Data, a.Key, a.Val)
			case strings.Contains(a.Val, canaryAddr) && !(remote && n.Data == "img" && a.Key == "src") && !(n.Data == "a" && a.Key == "href"):
				t.Errorf("the letter's document has <%s %s=%q>, which loads from the canary", n.Data, a.Key, a.Val)
			}
		}
	}
}

// mimeWord encodes s as an RFC 2047 word when it is not ASCII; markup in
// ASCII stays as it is, as a hostile sender writes it.
func mimeWord(s string) string {
	for _, r := range s {
		if r > 127 {
			return "=?utf-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
		}
	}
	return s
}
