package mailview

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzSanitize feeds hostile HTML to Sanitize and holds the result, as a
// browser would build it, against the allowlist (checkSafe); the document
// around it must keep exactly its own three meta elements, in its head.
func FuzzSanitize(f *testing.F) {
	for _, tc := range hostile {
		f.Add(tc.html, false)
	}
	f.Add(`<img src="https://t.example/x.png"><a href="https://t.example/">t</a>`, true)
	r := New()
	f.Fuzz(func(t *testing.T, in string, remote bool) {
		out, blocked := r.Sanitize(in, Options{RemoteImages: remote}, nil)
		if remote && blocked != 0 {
			t.Errorf("Sanitize(%q) with remote images blocked %d", in, blocked)
		}
		checkSafe(t, out, remote)
		checkDocument(t, Document(out, remote))
	})
}

// checkDocument fails when doc does not have exactly the three meta
// elements of Document, in the head, or holds a base or script element.
func checkDocument(t *testing.T, doc string) {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("Parse(%q): %v", doc, err)
	}
	metas := 0
	var walk func(n *html.Node, inHead bool)
	walk = func(n *html.Node, inHead bool) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "meta":
				metas++
				if !inHead {
					t.Errorf("meta outside head in %q", doc)
				}
			case "base", "script", "link", "iframe", "object", "embed", "form":
				t.Errorf("<%s> in %q", n.Data, doc)
			case "head":
				inHead = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inHead)
		}
	}
	walk(root, false)
	if metas != 3 {
		t.Errorf("%d meta elements in %q, want 3", metas, doc)
	}
}
