package mailview

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/ticketd/ticketd/mailparse"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Renderer sanitises letters' HTML. Build one with New and share it: it is
// safe for concurrent use, and building its policy is the costly part.
type Renderer struct {
	policy *bluemonday.Policy
}

// New returns a Renderer.
func New() *Renderer {
	return &Renderer{policy: newPolicy()}
}

// newPolicy is the allowlist: bluemonday's UGC policy without what a
// letter in an iframe does not need (ids, image maps, cite URLs), with
// URLs that must parse, be absolute and use http, https, mailto or cid.
// No element or attribute that runs script, loads anything but an image,
// submits, or styles is allowed; images are rewritten after (rewrite).
func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowAttrs("dir").Matching(bluemonday.Direction).Globally()
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$`)).Globally()
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).Globally()

	p.AllowElements("article", "aside", "figure", "figcaption", "section", "summary", "details",
		"h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "blockquote", "br", "div", "hr", "p", "span", "wbr",
		"abbr", "acronym", "cite", "code", "dfn", "em", "mark", "s", "samp", "strong", "sub", "sup", "var",
		"b", "i", "pre", "small", "strike", "tt", "u", "q", "center", "font", "address")
	p.AllowAttrs("dir").Matching(bluemonday.Direction).OnElements("bdi", "bdo")
	p.AllowElements("bdi", "bdo", "rp", "rt", "ruby", "del", "ins")
	p.AllowAttrs("datetime").Matching(bluemonday.ISO8601).OnElements("time", "del", "ins")

	p.AllowAttrs("href").OnElements("a")
	p.AllowImages()
	p.AllowLists()
	p.AllowTables()
	p.AllowAttrs("align").Matching(bluemonday.CellAlign).OnElements("p", "div", "table", "h1", "h2", "h3", "h4", "h5", "h6")
	// After AllowImages, which allows relative URLs: those would resolve
	// against the console's own address.
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	return p
}

// Sanitize makes a letter's HTML body safe to put in Document: it keeps
// what the allowlist allows (see the package doc) and rewrites links and
// images. parts are the letter's parts, for its cid: images. It returns
// the HTML fragment and how many remote images it replaced by
// placeholders.
func (r *Renderer) Sanitize(body string, opt Options, parts []mailparse.Part) (string, int) {
	clean := r.policy.Sanitize(body)
	return rewrite(clean, opt, parts)
}

// rewrite walks sanitised HTML and gives each link a new browsing context
// and no referrer, and each image its src or a placeholder.
func rewrite(clean string, opt Options, parts []mailparse.Part) (string, int) {
	var b strings.Builder
	b.Grow(len(clean) + len(clean)/8)
	blocked := 0
	z := html.NewTokenizer(strings.NewReader(clean))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String(), blocked
		}
		t := z.Token()
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			switch t.DataAtom {
			case atom.A:
				link(&t)
			case atom.Img:
				src, remote := imageSource(&t, opt, parts)
				if src == "" {
					if remote {
						blocked++
					}
					placeholder(&b, &t, opt.Placeholder)
					continue
				}
				setAttr(&t, "src", src)
				setAttr(&t, "referrerpolicy", "no-referrer")
				setAttr(&t, "loading", "lazy")
			}
		}
		switch tt {
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken, html.TextToken:
			b.WriteString(t.String())
		}
	}
}

// link keeps an http, https or mailto href, opening in a new browsing
// context with neither opener nor referrer; any other href is dropped and
// the text stays.
func link(t *html.Token) {
	href := attr(t, "href")
	dropAttrs(t, "href", "target", "rel")
	u, err := url.Parse(href)
	if err != nil || href == "" {
		return
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "mailto":
		t.Attr = append(t.Attr,
			html.Attribute{Key: "href", Val: u.String()},
			html.Attribute{Key: "target", Val: "_blank"},
			html.Attribute{Key: "rel", Val: "noopener noreferrer nofollow"})
	}
}

// imageSource is the src an image keeps: a remote one when opt allows
// remote images, a data:image/ URI that opt.Image gave for a cid: one, or
// "" for a placeholder; remote reports a remote image.
func imageSource(t *html.Token, opt Options, parts []mailparse.Part) (src string, remote bool) {
	raw := attr(t, "src")
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if !opt.RemoteImages {
			return "", true
		}
		return u.String(), true
	case "cid":
		if opt.Image == nil {
			return "", false
		}
		// RFC 2392 section 2: the cid URL is the Content-ID, %hh-encoded.
		id, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return "", false
		}
		for _, p := range parts {
			if p.ContentID != "" && strings.EqualFold(p.ContentID, id) {
				s := opt.Image(p.ContentID, p)
				if isDataImage(s) {
					return s, false
				}
				return "", false
			}
		}
	}
	return "", false
}

// isDataImage reports whether s is a base64 data: URI of a raster image.
func isDataImage(s string) bool {
	for _, prefix := range []string{"data:image/png;base64,", "data:image/jpeg;base64,", "data:image/gif;base64,", "data:image/webp;base64,"} {
		if strings.HasPrefix(s, prefix) && !strings.ContainsFunc(s[len(prefix):], notBase64) {
			return true
		}
	}
	return false
}

func notBase64(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=')
}

// placeholder writes what stands for an image that is not shown: its alt
// text and the placeholder text in a dashed box.
func placeholder(b *strings.Builder, t *html.Token, text string) {
	if text == "" {
		text = "image"
	}
	if alt := strings.TrimSpace(attr(t, "alt")); alt != "" {
		text = alt + " · " + text
	}
	b.WriteString(`<span class="blocked-image">[`)
	b.WriteString(html.EscapeString(text))
	b.WriteString(`]</span>`)
}

func attr(t *html.Token, key string) string {
	for _, a := range t.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func setAttr(t *html.Token, key, val string) {
	dropAttrs(t, key)
	t.Attr = append(t.Attr, html.Attribute{Key: key, Val: val})
}

func dropAttrs(t *html.Token, keys ...string) {
	kept := t.Attr[:0]
	for _, a := range t.Attr {
		drop := false
		for _, k := range keys {
			if a.Key == k {
				drop = true
			}
		}
		if !drop {
			kept = append(kept, a)
		}
	}
	t.Attr = kept
}
