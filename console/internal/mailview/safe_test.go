package mailview

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// allowedElements are the elements a sanitised letter may hold.
var allowedElements = map[string]bool{}

func init() {
	for _, e := range strings.Fields(`article aside figure figcaption section summary details h1 h2 h3 h4 h5 h6
		hgroup blockquote br div hr p span wbr abbr acronym cite code dfn em mark s samp strong sub sup var b i
		pre small strike tt u q center font address bdi bdo rp rt ruby del ins time a img ul ol li dl dt dd
		table caption colgroup col thead tbody tfoot tr td th`) {
		allowedElements[e] = true
	}
}

// allowedAttrs are the attributes a sanitised letter may hold, on any of
// the allowed elements.
var allowedAttrs = map[string]bool{}

func init() {
	for _, a := range strings.Fields(`dir lang title datetime href target rel src alt width height align
		referrerpolicy loading type start reversed value span valign abbr colspan rowspan headers scope nowrap
		summary class open`) {
		allowedAttrs[a] = true
	}
}

// checkSafe fails tb when fragment, as a browser would build it (the
// HTML5 tree builder, not a tokenizer, so that a sanitiser/browser
// mismatch shows), holds an element or attribute outside the allowlist,
// a foreign (SVG, MathML) element, an event handler, style, a link that is
// not http, https or mailto, or an image that is not data:image/ (or
// remote, with remote).
func checkSafe(tb testing.TB, fragment string, remote bool) {
	tb.Helper()
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), ctx)
	if err != nil {
		tb.Fatalf("ParseFragment(%q): %v", fragment, err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			if n.Namespace != "" {
				tb.Errorf("foreign element <%s:%s> in %q", n.Namespace, n.Data, fragment)
			}
			if !allowedElements[n.Data] {
				tb.Errorf("element <%s> in %q", n.Data, fragment)
			}
			for _, a := range n.Attr {
				checkAttr(tb, n, a, remote, fragment)
			}
		case html.CommentNode:
			tb.Errorf("comment %q in %q", n.Data, fragment)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}

func checkAttr(tb testing.TB, n *html.Node, a html.Attribute, remote bool, fragment string) {
	tb.Helper()
	key := strings.ToLower(a.Key)
	if a.Namespace != "" || !allowedAttrs[key] || strings.HasPrefix(key, "on") {
		tb.Errorf("attribute %s=%q on <%s> in %q", a.Key, a.Val, n.Data, fragment)
		return
	}
	switch key {
	case "href":
		if n.Data != "a" || !hasScheme(a.Val, "http", "https", "mailto") {
			tb.Errorf("href=%q on <%s> in %q", a.Val, n.Data, fragment)
		}
	case "src":
		ok := n.Data == "img" && (strings.HasPrefix(a.Val, "data:image/") || remote && hasScheme(a.Val, "http", "https"))
		if !ok {
			tb.Errorf("src=%q on <%s> in %q", a.Val, n.Data, fragment)
		}
	case "target":
		if a.Val != "_blank" {
			tb.Errorf("target=%q in %q", a.Val, fragment)
		}
	case "rel":
		if a.Val != "noopener noreferrer nofollow" {
			tb.Errorf("rel=%q in %q", a.Val, fragment)
		}
	case "class":
		if a.Val != "blocked-image" {
			tb.Errorf("class=%q in %q", a.Val, fragment)
		}
	}
	if n.Data == "a" && key == "href" {
		if attrOf(n, "target") != "_blank" || attrOf(n, "rel") != "noopener noreferrer nofollow" {
			tb.Errorf("link %q without target=_blank and rel in %q", a.Val, fragment)
		}
	}
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasScheme reports whether the URL s is absolute with one of schemes, as
// a browser would read it: it strips leading and trailing C0 controls and
// spaces and removes tabs and line breaks first (WHATWG URL parsing).
func hasScheme(s string, schemes ...string) bool {
	s = strings.Trim(s, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	for _, sc := range schemes {
		if strings.EqualFold(u.Scheme, sc) {
			return true
		}
	}
	return false
}
