package mailview

import (
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/mailparse"
	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// hostile are letters' HTML bodies that must show nothing that runs,
// fetches or submits. Each names the trick, or the help desk it worked on.
var hostile = []struct{ name, html string }{
	{"script", `<p>hi</p><script>alert(1)</script><SCRIPT SRC=https://evil.example/x.js></SCRIPT>`},
	{"img-onerror", `<img src=x onerror=alert(1)><img src="https://evil.example/a.png" onerror="alert(1)">`},
	{"event-handlers", `<div onclick="alert(1)" onmouseover=alert(1)>x</div><body onload=alert(1)>`},
	{"details-ontoggle", `<details open ontoggle=alert(1)><summary>x</summary>osTicket</details>`},
	{"javascript-links", `<a href="javascript:alert(1)">a</a><a href="JaVaScRiPt:alert(1)">b</a>` +
		`<a href="&#106;avascript:alert(1)">c</a><a href="java&#x09;script:alert(1)">d</a>` +
		`<a href=" javascript:alert(1)">e</a><a href="javascript&colon;alert(1)">f</a>` +
		`<a href="jav&#x0A;ascript:alert(1)">g</a><a href="javascript&#58;alert(1)">h</a>`},
	{"data-links", `<a href="data:text/html,<script>alert(1)</script>">a</a><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">b</a>`},
	{"vbscript-link", `<a href="vbscript:msgbox(1)">a</a><a href="file:///etc/passwd">b</a>`},
	{"relative-urls", `<a href="/logout">out</a><a href="//evil.example/x">pr</a><img src="/api/v1/tickets"><img src="//evil.example/p.gif">`},
	{"remote-images", `<img src="https://tracker.example/p.gif?u=1" alt="logo" width=1 height=1><img src="http://tracker.example/q.png">`},
	{"css-url", `<div style="background:url(https://evil.example/x)">a</div><p style="color:red;background-image:url('javascript:alert(1)')">b</p>` +
		`<table background="https://evil.example/t.png"><tr><td background="https://evil.example/td.png">c</td></tr></table>`},
	{"style-import", `<style>@import url(https://evil.example/x.css); body{background:url(https://evil.example/y)}</style><p>x</p>`},
	{"svg-script", `<svg><script>alert(1)</script></svg><svg onload=alert(1)><a xlink:href="javascript:alert(1)"><text>x</text></a>` +
		`<image href="https://evil.example/i.png"/></svg><svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>`},
	{"math", `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>`},
	{"meta-refresh", `<meta http-equiv="refresh" content="0;url=https://evil.example/"><p>x</p>`},
	{"base-href", `<base href="https://evil.example/"><a href="x">rel</a><img src="y.png">`},
	{"form", `<form action="https://evil.example/"><input name=a value=b><button formaction="https://evil.example/">go</button>` +
		`<input type=image src="https://evil.example/i.png"><select><option>1</select><textarea><img src=x onerror=alert(1)></textarea></form>`},
	{"object-embed", `<object data="https://evil.example/x.swf"><param name=movie value=x></object><embed src="https://evil.example/x.swf">` +
		`<applet code=x></applet>`},
	{"iframe", `<iframe src="https://evil.example/"></iframe><iframe srcdoc="<script>alert(1)</script>"></iframe><frameset><frame src=x></frameset>`},
	{"srcset", `<img srcset="https://evil.example/a.png 1x, https://evil.example/b.png 2x"><picture><source srcset="https://evil.example/c.png">` +
		`<img src="cid:none"></picture>`},
	{"media", `<video poster="https://evil.example/p.png" src="https://evil.example/v.mp4"><source src="https://evil.example/s.mp4"></video>` +
		`<audio src="https://evil.example/a.mp3"></audio><track src=x>`},
	{"link-stylesheet", `<link rel=stylesheet href="https://evil.example/x.css"><link rel=prefetch href="https://evil.example/">`},
	{"ping-target", `<a href="https://ok.example/" ping="https://evil.example/p" target="_top" rel="opener">ok</a>`},
	{"comments", `<!--[if IE]><script>alert(1)</script><![endif]--><p>x</p><!-- <img src=x onerror=alert(1)> -->`},
	{"noscript-mxss", `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`},
	{"unicode-tricks", "<a href=\"java\x00script:alert(1)\">a</a><a href=\"\u2028javascript:alert(1)\">b</a>" +
		"\uff1cscript\uff1ealert(1)\uff1c/script\uff1e<scr<script>ipt>alert(1)</script>" +
		"<a href=\"https://ok.example/\u202egnp.exe\">c</a><img src=\"ja\u0000vascript:alert(1)\">"},
	{"template-xmp", `<template><script>alert(1)</script></template><xmp><img src=x onerror=alert(1)></xmp><plaintext><script>`},
	{"zammad-subject", `"><svg/onload=alert(document.domain)>`},
}

func TestSanitizeHostile(t *testing.T) {
	r := New()
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := r.Sanitize(tc.html, Options{}, nil)
			checkSafe(t, got, false)
			lower := strings.ToLower(markup(t, got))
			for _, bad := range []string{"<script", "javascript:", "url(", "@import", "<svg", "<meta", "<base", "<form",
				"<object", "<embed", "<iframe", "srcset", "onerror", "onload", "evil.example", "<style", "data:text"} {
				if strings.Contains(lower, bad) {
					t.Errorf("Sanitize(%q) = %q, holds %q", tc.html, got, bad)
				}
			}
			golden(t, filepath.Join("testdata", "sanitize", tc.name+".golden"), got)
		})
	}
}

// markup is s without its text: the tags and their attributes.
func markup(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
		default:
			b.Write(z.Raw())
		}
	}
}

// golden compares got with the file, or writes it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("got\n%s\nwant (%s)\n%s", got, path, want)
	}
}

func TestSanitize(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n fake")
	parts := []mailparse.Part{{ContentID: "logo@example.ru", ContentType: "image/png", Inline: true, Body: png},
		{ContentID: "bad@example.ru", ContentType: "image/svg+xml", Inline: true, Body: []byte("<svg/>")}}
	image := func(cid string, p mailparse.Part) string {
		switch cid {
		case "logo@example.ru":
			return "data:image/png;base64," + base64.StdEncoding.EncodeToString(p.Body)
		case "bad@example.ru":
			return "data:image/svg+xml;base64,PHN2Zy8+" // not a raster image: refused
		}
		return ""
	}
	tests := []struct {
		name, in string
		opt      Options
		want     string
		blocked  int
	}{
		{"text formatting kept", `<p><b>Здравствуйте</b>, <i>это</i> <u>тест</u></p>`, Options{},
			`<p><b>Здравствуйте</b>, <i>это</i> <u>тест</u></p>`, 0},
		{"link opens a new context without referrer", `<a href="https://gosuslugi.example/help?a=1&amp;b=2">help</a>`, Options{},
			`<a href="https://gosuslugi.example/help?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow">help</a>`, 0},
		{"mailto kept", `<a href="mailto:a@example.ru">a</a>`, Options{},
			`<a href="mailto:a@example.ru" target="_blank" rel="noopener noreferrer nofollow">a</a>`, 0},
		{"javascript link loses href", `<a href="javascript:alert(1)">x</a>`, Options{}, `x`, 0},
		{"remote image blocked", `<img src="https://t.example/p.gif" alt="Логотип">`, Options{Placeholder: "изображение не загружено"},
			`<span class="blocked-image">[Логотип · изображение не загружено]</span>`, 1},
		{"remote image loaded when asked", `<img src="https://t.example/p.gif">`, Options{RemoteImages: true},
			`<img src="https://t.example/p.gif" referrerpolicy="no-referrer" loading="lazy">`, 0},
		{"cid image from Image", `<img src="cid:logo@example.ru" alt="">`, Options{Image: image},
			`<img alt="" src="data:image/png;base64,iVBORw0KGgogZmFrZQ==" referrerpolicy="no-referrer" loading="lazy">`, 0},
		{"cid image percent-encoded", `<img src="cid:logo%40example.ru">`, Options{Image: image},
			`<img src="data:image/png;base64,iVBORw0KGgogZmFrZQ==" referrerpolicy="no-referrer" loading="lazy">`, 0},
		{"cid image without Image", `<img src="cid:logo@example.ru">`, Options{}, `<span class="blocked-image">[image]</span>`, 0},
		{"cid svg refused", `<img src="cid:bad@example.ru">`, Options{Image: image}, `<span class="blocked-image">[image]</span>`, 0},
		{"cid unknown", `<img src="cid:nobody@example.ru">`, Options{Image: image}, `<span class="blocked-image">[image]</span>`, 0},
		{"data image in letter refused", `<img src="data:image/png;base64,iVBORw0KGgo=">`, Options{}, ``, 0},
		{"table kept", `<table><tr><td colspan="2" align="left">a</td></tr></table>`, Options{},
			`<table><tr><td colspan="2" align="left">a</td></tr></table>`, 0},
	}
	r := New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, blocked := r.Sanitize(tc.in, tc.opt, parts)
			if got != tc.want || blocked != tc.blocked {
				t.Errorf("Sanitize(%q) = %q, %d, want %q, %d", tc.in, got, blocked, tc.want, tc.blocked)
			}
			checkSafe(t, got, tc.opt.RemoteImages)
		})
	}
}

func TestDocument(t *testing.T) {
	doc := Document(`<p>x</p>`, false)
	for _, want := range []string{
		`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`,
		`<meta name="referrer" content="no-referrer">`, `<body><p>x</p></body>`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("Document = %q, want it to hold %q", doc, want)
		}
	}
	if remote := Document("", true); !strings.Contains(remote, "img-src data: http: https:;") {
		t.Errorf("Document(remote) = %q, want img-src with http: https:", remote)
	}
	if got := StyleHash(); !strings.HasPrefix(got, "'sha256-") || len(got) != len("'sha256-'")+44 {
		t.Errorf("StyleHash() = %q", got)
	}
}
