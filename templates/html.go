package templates

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
)

// The HTML alternative is the plain-text letter marked up, never a second
// template: blocks separated by blank lines become paragraphs, line breaks
// are kept, lines starting with "- " or "  - " become a list (a following
// line indented by four spaces continues the item), and http and https
// addresses become links unless a citizen wrote them. Every piece of text is
// escaped. The styling is inline; there are no scripts and nothing is
// fetched from elsewhere.

const (
	htmlHead = `<!DOCTYPE html>
<html lang="%s">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
</head>
<body style="margin:0;padding:16px;background-color:#f4f5f7;">
<div style="max-width:640px;margin:0 auto;padding:24px;background-color:#ffffff;border:1px solid #dfe1e6;border-radius:6px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2329;">
`
	htmlFoot = `</div>
</body>
</html>
`
	styleP    = `margin:0 0 16px 0;`
	styleUL   = `margin:0 0 16px 0;padding-left:24px;`
	styleLI   = `margin:0 0 4px 0;`
	styleLink = `color:#0b57d0;text-decoration:underline;`
)

// urlPattern finds candidate links; trimURL and linkable decide.
var urlPattern = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"'«»]+`)

// toHTML renders the plain-text letter text as an HTML document in
// language lang. Links are not made of addresses inside citizen values.
func toHTML(lang, subject, text string, citizen []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, htmlHead, html.EscapeString(lang), html.EscapeString(subject))
	for _, block := range splitBlocks(text) {
		writeBlock(&b, block, citizen)
	}
	b.WriteString(htmlFoot)
	return b.String()
}

// splitBlocks splits text into runs of non-blank lines.
func splitBlocks(text string) [][]string {
	var blocks [][]string
	var cur []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			if cur != nil {
				blocks = append(blocks, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if cur != nil {
		blocks = append(blocks, cur)
	}
	return blocks
}

// listItem returns the text of a list line and whether line is one.
func listItem(line string) (string, bool) {
	if rest, ok := strings.CutPrefix(line, "- "); ok {
		return rest, true
	}
	if rest, ok := strings.CutPrefix(line, "  - "); ok {
		return rest, true
	}
	return "", false
}

// writeBlock writes one block: paragraphs for its plain lines, a list for
// its items, in the order they come.
func writeBlock(b *strings.Builder, lines []string, citizen []string) {
	var para []string
	var items [][]string
	flushPara := func() {
		if para == nil {
			return
		}
		b.WriteString(`<p style="` + styleP + `">`)
		writeLines(b, para, citizen)
		b.WriteString("</p>\n")
		para = nil
	}
	flushList := func() {
		if items == nil {
			return
		}
		b.WriteString(`<ul style="` + styleUL + `">` + "\n")
		for _, item := range items {
			b.WriteString(`<li style="` + styleLI + `">`)
			writeLines(b, item, citizen)
			b.WriteString("</li>\n")
		}
		b.WriteString("</ul>\n")
		items = nil
	}
	for _, line := range lines {
		if text, ok := listItem(line); ok {
			flushPara()
			items = append(items, []string{text})
			continue
		}
		if items != nil && strings.HasPrefix(line, "    ") {
			last := len(items) - 1
			items[last] = append(items[last], strings.TrimSpace(line))
			continue
		}
		flushList()
		para = append(para, line)
	}
	flushPara()
	flushList()
}

// writeLines writes lines escaped and linked, joined by <br>.
func writeLines(b *strings.Builder, lines []string, citizen []string) {
	for i, line := range lines {
		if i > 0 {
			b.WriteString("<br>\n")
		}
		writeInline(b, line, citizen)
	}
}

// writeInline writes one line of text escaped, with its links.
func writeInline(b *strings.Builder, line string, citizen []string) {
	for {
		loc := urlPattern.FindStringIndex(line)
		if loc == nil {
			b.WriteString(html.EscapeString(line))
			return
		}
		u := trimURL(line[loc[0]:loc[1]])
		end := loc[0] + len(u)
		b.WriteString(html.EscapeString(line[:loc[0]]))
		if linkable(u, citizen) {
			href := html.EscapeString(u)
			b.WriteString(`<a href="` + href + `" style="` + styleLink + `">` + href + `</a>`)
		} else {
			b.WriteString(html.EscapeString(u))
		}
		line = line[end:]
	}
}

// trimURL drops the punctuation that ends the sentence around an address,
// and a closing parenthesis that has no opening one inside it.
func trimURL(u string) string {
	for u != "" {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?", last) >= 0:
		case last == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
		default:
			return u
		}
		u = u[:len(u)-1]
	}
	return u
}

// linkable reports whether u may become a link: an http or https address
// with a host, not written by the citizen.
func linkable(u string, citizen []string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return false
	}
	if s := strings.ToLower(p.Scheme); s != "http" && s != "https" {
		return false
	}
	for _, c := range citizen {
		if strings.Contains(c, u) {
			return false
		}
	}
	return true
}
