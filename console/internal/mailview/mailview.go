// Package mailview turns a stored letter into what the console shows of
// it: the plain text, and the HTML made safe to show inside a sandboxed
// iframe's srcdoc.
//
// Mail HTML is hostile input. It is shown behind three walls, each enough
// on its own against script:
//   - a bluemonday allowlist (Sanitize) keeps text formatting, lists,
//     tables, links and images, and drops everything else: script, style
//     elements and attributes (so no CSS url() or @import), event
//     handlers, forms, base, meta, link, object, embed, iframe, SVG and
//     MathML, srcset, and every URL that is not http, https, mailto or
//     cid; then links are made to open a new browsing context
//     (target=_blank, rel="noopener noreferrer nofollow") and images are
//     rewritten: a remote image becomes a placeholder unless the operator
//     asked for remote images, a cid: image becomes what Options.Image
//     says (a data: URI) or a placeholder;
//   - Document wraps the result in a document of its own whose
//     Content-Security-Policy allows no script, no fetch, no form and no
//     base, only images from data: (and from http and https when remote
//     images were asked for) and inline style;
//   - the console shows that document in an iframe with a sandbox that
//     allows neither scripts nor the console's origin.
//
// The package is pure: bytes in, values out.
package mailview

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/ticketd/ticketd/mailparse"
)

// Options says how a letter's HTML is shown.
type Options struct {
	// RemoteImages lets images from http and https addresses load (the
	// operator asked for them); otherwise each is replaced by a
	// placeholder and counted in View.RemoteImages.
	RemoteImages bool
	// Image returns the src of the letter's inline image with the given
	// Content-ID (a cid: URL, RFC 2392), which must be a data:image/ URI,
	// or "" to show a placeholder instead. A nil Image shows placeholders
	// for all of them. The console gives the checked display copy of an
	// accepted image; a part the attachment check refused is not shown.
	Image func(contentID string, part mailparse.Part) string
	// Placeholder is the text shown instead of an image that is not
	// loaded, after the image's alt text; "" means "image".
	Placeholder string
}

// View is a letter as the console shows it.
type View struct {
	Letter *mailparse.Letter
	// Note says why the letter could not be read whole; "" when it could.
	Note string
	// HTML is the srcdoc document of the letter's HTML body (Document);
	// "" when the letter has none.
	HTML string
	// RemoteImages is how many remote images were replaced by
	// placeholders: when it is not 0, the console offers to load them.
	RemoteImages int
}

// Letter parses raw (the letter's bytes as stored) with lim (nil:
// mailparse.DefaultLimits) and makes its view. Damaged mail still gives a
// view, with View.Note saying what was wrong.
func (r *Renderer) Letter(raw []byte, lim *mailparse.Limits, opt Options) View {
	l, err := mailparse.Parse(raw, lim)
	v := View{Letter: l}
	if err != nil {
		v.Note = err.Error()
	}
	if strings.TrimSpace(l.HTML) != "" {
		body, blocked := r.Sanitize(l.HTML, opt, l.Parts)
		v.HTML, v.RemoteImages = Document(body, opt.RemoteImages), blocked
	}
	return v
}

// csp is the Content-Security-Policy of a letter's document: nothing but
// inline style and images from data: (and from the web with remote).
func csp(remote bool) string {
	img := "data:"
	if remote {
		img = "data: http: https:"
	}
	return "default-src 'none'; img-src " + img + "; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
}

// Style is the style sheet of a letter's document. A page that shows the
// document in an iframe passes its own Content-Security-Policy on to it
// (srcdoc documents inherit it), so the page's style-src must allow
// StyleHash for the sheet to apply; without it the letter shows unstyled.
const Style = `body{font:14px/1.45 system-ui,sans-serif;color:#1b1b1b;margin:8px;overflow-wrap:anywhere}` +
	`img{max-width:100%;height:auto}table{max-width:100%}pre{white-space:pre-wrap}` +
	`.blocked-image{display:inline-block;border:1px dashed #999;color:#555;padding:0 4px;font-size:12px}`

// StyleHash is Style's CSP hash source, 'sha256-…'.
func StyleHash() string {
	sum := sha256.Sum256([]byte(Style))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Document wraps sanitised HTML (Sanitize's result, never anything else)
// in a whole document for an iframe's srcdoc, with its own
// Content-Security-Policy and no referrer. remote must be the
// Options.RemoteImages body was sanitised with.
func Document(body string, remote bool) string {
	var b strings.Builder
	b.Grow(len(body) + 512)
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8">`)
	b.WriteString(`<meta http-equiv="Content-Security-Policy" content="`)
	b.WriteString(csp(remote))
	b.WriteString(`"><meta name="referrer" content="no-referrer"><style>`)
	b.WriteString(Style)
	b.WriteString(`</style></head><body>`)
	b.WriteString(body)
	b.WriteString(`</body></html>`)
	return b.String()
}
