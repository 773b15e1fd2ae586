package templates

import (
	"io"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// body is toHTML's output between the wrapper's opening and closing.
func body(t *testing.T, text string, citizen ...string) string {
	t.Helper()
	out := toHTML("ru", "s", text, citizen)
	_, rest, ok := strings.Cut(out, "color:#1f2329;\">\n")
	if !ok || !strings.HasSuffix(rest, htmlFoot) {
		t.Fatalf("toHTML(%q) = %q, want the wrapper around the body", text, out)
	}
	return strings.TrimSuffix(rest, htmlFoot)
}

const (
	p  = `<p style="` + styleP + `">`
	ul = `<ul style="` + styleUL + `">` + "\n"
	li = `<li style="` + styleLI + `">`
	a  = `" style="` + styleLink + `">`
)

func TestToHTML(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		citizen    []string
		want       string
	}{
		{"one paragraph", "Здравствуйте!\n", nil, p + "Здравствуйте!</p>\n"},
		{"paragraphs", "Один.\n\nДва.\n", nil, p + "Один.</p>\n" + p + "Два.</p>\n"},
		{"blank line of spaces", "Один.\n   \nДва.\n", nil, p + "Один.</p>\n" + p + "Два.</p>\n"},
		{"line breaks kept", "Один.\nДва.\n", nil, p + "Один.<br>\nДва.</p>\n"},
		{"list", "Сделайте так:\n  - раз\n  - два\nСпасибо.\n", nil,
			p + "Сделайте так:</p>\n" + ul + li + "раз</li>\n" + li + "два</li>\n</ul>\n" + p + "Спасибо.</p>\n"},
		{"list without indent", "- раз\n- два\n", nil, ul + li + "раз</li>\n" + li + "два</li>\n</ul>\n"},
		{"item continued", "  - раз\n    и ещё\n  - два\n", nil, ul + li + "раз<br>\nи ещё</li>\n" + li + "два</li>\n</ul>\n"},
		{"dash inside a line", "Срок — 5 дней - не больше.\n", nil, p + "Срок — 5 дней - не больше.</p>\n"},
		{"escaped", `a < b & "c" 'd' > e` + "\n", nil, p + "a &lt; b &amp; &#34;c&#34; &#39;d&#39; &gt; e</p>\n"},
		{"link", "Инструкция: https://help.example.org/p?a=1&b=2\n", nil,
			p + `Инструкция: <a href="https://help.example.org/p?a=1&amp;b=2` + a + `https://help.example.org/p?a=1&amp;b=2</a></p>` + "\n"},
		{"link with a full stop", "См. http://help.example.org/p.\n", nil,
			p + `См. <a href="http://help.example.org/p` + a + `http://help.example.org/p</a>.</p>` + "\n"},
		{"link in parentheses", "(см. https://help.example.org/p)\n", nil,
			p + `(см. <a href="https://help.example.org/p` + a + `https://help.example.org/p</a>)</p>` + "\n"},
		{"link with parentheses", "https://help.example.org/a_(b)\n", nil,
			p + `<a href="https://help.example.org/a_(b)` + a + `https://help.example.org/a_(b)</a></p>` + "\n"},
		{"link in guillemets", "«https://help.example.org/p»\n", nil,
			p + `«<a href="https://help.example.org/p` + a + `https://help.example.org/p</a>»</p>` + "\n"},
		{"upper-case scheme", "HTTPS://help.example.org\n", nil,
			p + `<a href="HTTPS://help.example.org` + a + `HTTPS://help.example.org</a></p>` + "\n"},
		{"two links", "https://a.example.org и https://b.example.org\n", nil,
			p + `<a href="https://a.example.org` + a + `https://a.example.org</a> и <a href="https://b.example.org` + a + `https://b.example.org</a></p>` + "\n"},
		{"link in a list", "  - https://help.example.org/p\n", nil,
			ul + li + `<a href="https://help.example.org/p` + a + `https://help.example.org/p</a></li>` + "\n</ul>\n"},
		{"no host", "http:///etc/passwd\n", nil, p + "http:///etc/passwd</p>\n"},
		{"javascript", "javascript:alert(1)\n", nil, p + "javascript:alert(1)</p>\n"},
		{"scheme inside a word", "xhttp://a.example.org\n", nil, p + "xhttp://a.example.org</p>\n"},
		{"ftp", "ftp://a.example.org/f\n", nil, p + "ftp://a.example.org/f</p>\n"},
		{"quote ends the address", `http://a.example.org/"onmouseover="alert(1)` + "\n", nil,
			p + `<a href="http://a.example.org/` + a + `http://a.example.org/</a>&#34;onmouseover=&#34;alert(1)</p>` + "\n"},
		{"citizen's address", "Здравствуйте, Иван https://evil.example/login!\n", []string{"Иван https://evil.example/login"},
			p + "Здравствуйте, Иван https://evil.example/login!</p>\n"},
		{"ours beside the citizen's", "Иван https://evil.example/x, см. https://help.example.org\n", []string{"Иван https://evil.example/x"},
			p + `Иван https://evil.example/x, см. <a href="https://help.example.org` + a + `https://help.example.org</a></p>` + "\n"},
	} {
		if got := body(t, tc.text, tc.citizen...); got != tc.want {
			t.Errorf("%s: toHTML(%q) =\n%s\nwant\n%s", tc.name, tc.text, got, tc.want)
		}
	}
}

func TestToHTMLWrapper(t *testing.T) {
	got := toHTML("en", `Re: <b>"x"</b>`, "Hello.\n", nil)
	for _, want := range []string{
		"<!DOCTYPE html>\n<html lang=\"en\">",
		`<meta charset="utf-8">`,
		"<title>Re: &lt;b&gt;&#34;x&#34;&lt;/b&gt;</title>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("toHTML(en, subject with markup) lacks %q:\n%s", want, got)
		}
	}
}

// allowedTags are every element the HTML alternative may hold, with the
// attributes each may carry.
var allowedTags = map[string][]string{
	"html": {"lang"}, "head": nil, "meta": {"charset", "name", "content"}, "title": nil,
	"body": {"style"}, "div": {"style"}, "p": {"style"}, "br": nil,
	"ul": {"style"}, "li": {"style"}, "a": {"href", "style"},
}

// checkMarkup fails unless doc holds only allowedTags with their
// attributes, and links only to http and https.
func checkMarkup(t *testing.T, what, doc string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				t.Errorf("%s: tokenize: %v", what, z.Err())
			}
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		attrs, ok := allowedTags[tok.Data]
		if !ok {
			t.Errorf("%s: element <%s> is not allowed", what, tok.Data)
			continue
		}
		for _, at := range tok.Attr {
			if !strings.Contains(" "+strings.Join(attrs, " ")+" ", " "+at.Key+" ") {
				t.Errorf("%s: <%s %s=%q>: attribute not allowed", what, tok.Data, at.Key, at.Val)
			}
			if at.Key == "href" && !strings.HasPrefix(at.Val, "https://") && !strings.HasPrefix(at.Val, "http://") {
				t.Errorf("%s: link to %q", what, at.Val)
			}
		}
	}
}

// TestRenderEscapesCitizenValues renders every template with markup in
// everything a citizen can write and checks none of it reaches the HTML.
func TestRenderEscapesCitizenValues(t *testing.T) {
	const (
		script = `<script>alert(1)</script>`
		img    = `"><img src=x onerror=alert(1)>`
	)
	set := mustLoad(t)
	for _, name := range set.Names() {
		for _, lang := range []string{"ru", "en"} {
			d := sample(lang)
			d.Subject = "Тема " + script + img
			d.CitizenName = img + " " + script
			d.AccountNumber = script
			d.ApplicationNumber = img
			d.Rejected = []File{{Name: img + ".png", Reason: "плохой файл"}, {Name: "a.png", Reason: "Файл «" + script + "» пуст"}}
			d.Vars = sampleVars(name, lang)
			for k := range d.Vars {
				d.Vars[k] += " " + script // operators' values are escaped as well
			}
			if name == "status" {
				d.Vars["status"] = "approved"
			}
			r, err := set.Render(name, lang, d)
			if err != nil {
				t.Fatalf("Render(%s, %s) error: %v", name, lang, err)
			}
			what := "Render(" + name + ", " + lang + ").HTML"
			for _, bad := range []string{"<script", "<img", `"><`, "onerror=alert(1)>"} {
				if strings.Contains(r.HTML, bad) {
					t.Errorf("%s contains %q unescaped", what, bad)
				}
			}
			if !strings.Contains(r.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("%s lacks the escaped citizen's subject", what)
			}
			checkMarkup(t, what, r.HTML)
		}
	}
}

func TestRenderLinksOnlyOurAddresses(t *testing.T) {
	set := mustLoad(t)
	d := sample("ru")
	d.CitizenName = "Иван https://evil.example/login"
	d.Vars = map[string]string{"link": "https://help.example.org/password"}
	r, err := set.Render("instructions_password", "ru", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.HTML, `href="https://evil.example`) {
		t.Errorf("Render(instructions_password).HTML links to the address in the citizen's name:\n%s", r.HTML)
	}
	if !strings.Contains(r.HTML, `<a href="https://help.example.org/password"`) {
		t.Errorf("Render(instructions_password).HTML does not link the operator's link:\n%s", r.HTML)
	}
}

func TestGoldenMarkup(t *testing.T) {
	set := mustLoad(t)
	for _, name := range set.Names() {
		for _, lang := range []string{"ru", "en"} {
			d := sample(lang)
			d.Vars = sampleVars(name, lang)
			r, err := set.Render(name, lang, d)
			if err != nil {
				t.Fatalf("Render(%s, %s) error: %v", name, lang, err)
			}
			checkMarkup(t, "Render("+name+", "+lang+").HTML", r.HTML)
		}
	}
}
