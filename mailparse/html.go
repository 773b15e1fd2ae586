package mailparse

import (
	"strings"
	"sync"

	"github.com/inbucket/html2text"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ugcPolicy is built once: building a bluemonday policy is costly, using one
// is safe from many goroutines. Besides UGCPolicy's schemes it allows cid:
// (RFC 2392), so that the HTML can still show the letter's inline images.
var ugcPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("cid")
	return p
})

// sanitizeHTML makes an HTML body safe to show to an operator.
func sanitizeHTML(s string) string {
	return ugcPolicy().Sanitize(s)
}

// htmlText renders an HTML body as readable plain text with html2text.
// HTML that html2text refuses (nested deeper than x/net/html allows) is
// reduced to its text nodes instead.
func htmlText(s string) string {
	t, err := html2text.FromString(s, html2text.Options{})
	if err != nil {
		return htmlTextNodes(s)
	}
	return t
}

// htmlTextNodes returns the text of an HTML document token by token, with a
// line break for each block element and no script or style.
func htmlTextNodes(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside script and style
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
				b.WriteByte(' ')
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style:
				if tt == html.EndTagToken {
					skip = max(skip-1, 0)
				} else {
					skip++
				}
			case atom.Br, atom.P, atom.Div, atom.Tr, atom.Li, atom.H1, atom.H2, atom.H3, atom.Blockquote:
				b.WriteByte('\n')
			}
		}
	}
}
