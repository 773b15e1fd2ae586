package mailparse

import (
	"fmt"
	"strings"
)

// walker visits the MIME tree of one message. It keeps what the whole message
// shares: limits, the part count, attachments and defects. What each letter
// says (the message, or a message forwarded inside it) goes to a content.
type walker struct {
	lim        Limits
	nparts     int
	textLeft   int    // bytes of text still allowed
	htmlLeft   int    // bytes of HTML still allowed
	hint       string // Russian charset to prefer when guessing: declared, else guessed from the header
	declared   bool   // hint comes from a declared charset
	parts      []Part
	defects    []string
	reports    []string // report-type of each multipart/report outside forwards
	bounceOf   string   // Message-ID of the first returned message or header
	embeddedID string   // Message-ID of the first attached message
	err        error    // the first failure to read the source
}

// content is what one letter says.
type content struct {
	plain    []string // text/plain bodies, in order
	html     []string // text/html bodies, in order
	forwards []*forward
	own      string // the letter's own text, set by render
}

// forward is a message attached to a letter (message/rfc822).
type forward struct {
	h     header
	c     content
	block string // the forward as the letter's text shows it, set by render
}

// entity is a message or body part: its header and its undecoded body.
type entity struct {
	h    header
	body body
}

// defect records something wrong at the part at path p.
func (w *walker) defect(p, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if p != "" {
		msg = "part " + p + ": " + msg
	}
	w.defects = append(w.defects, msg)
}

// walk visits e, at nesting depth depth, adding what it says to c. In a
// forward (inFwd), multipart/report is not taken as the letter's own. Only
// refusals are returned as errors.
func (w *walker) walk(e entity, depth int, p string, c *content, inFwd bool, defType string) error {
	if depth > w.lim.MaxDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrRefused, w.lim.MaxDepth)
	}
	w.nparts++
	if w.nparts > w.lim.MaxParts {
		return fmt.Errorf("%w: more than %d parts", ErrRefused, w.lim.MaxParts)
	}
	mt, params := parseMediaType(e.h.get("Content-Type"), w.hint)
	if mt == "" || !strings.Contains(mt, "/") {
		if mt != "" {
			w.defect(p, "bad Content-Type %.40q read as %s", mt, defType)
		}
		mt = defType
	}
	if cs := normCharset(params["charset"]); !w.declared && isCyrillic(cs) && strings.HasPrefix(mt, "text/") {
		w.hint, w.declared = cs, true
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		return w.walkMultipart(e, mt, params, depth, p, c, inFwd)
	case mt == "message/rfc822" || mt == "message/global":
		return w.walkMessage(e, depth, p, c)
	case mt == "text/rfc822-headers" || mt == "message/rfc822-headers":
		w.noteReturnedHeader(e)
	}
	w.leaf(e, mt, params, p, c)
	return nil
}

// walkMultipart visits the parts of a multipart entity.
func (w *walker) walkMultipart(e entity, mt string, params map[string]string, depth int, p string, c *content, inFwd bool) error {
	if mt == "multipart/report" && !inFwd {
		w.reports = append(w.reports, strings.ToLower(params["report-type"]))
	}
	s := newScanner(e.body)
	defer w.scanned(s)
	boundary := params["boundary"]
	if boundary == "" {
		boundary = guessBoundary(s)
		w.defect(p, "multipart without boundary")
	}
	var (
		raws   []body
		closed bool
	)
	if boundary != "" {
		raws, closed = splitMultipart(s, boundary, w.lim.MaxParts)
	}
	if guess := guessBoundary(s); len(raws) == 0 && guess != "" && guess != boundary {
		// QUIRK: a boundary parameter that does not match the
		// delimiters, from list software that rewrites one of them.
		if raws, closed = splitMultipart(s, guess, w.lim.MaxParts); len(raws) > 0 {
			w.defect(p, "boundary %.40q not found, %.40q used", boundary, guess)
		}
	}
	if len(raws) > 0 && !closed {
		w.defect(p, "multipart not closed")
	}
	if len(raws) == 0 {
		// QUIRK: a multipart whose boundary never occurs is read as
		// plain text, so that nothing is lost.
		w.defect(p, "no part found in %s", mt)
		w.leaf(entity{body: e.body}, "text/plain", nil, p, c)
		return nil
	}
	defType := "text/plain"
	if mt == "multipart/digest" {
		defType = "message/rfc822" // RFC 2046 section 5.1.5
	}
	alt := mt == "multipart/alternative"
	var alts []content
	if alt {
		alts = make([]content, len(raws))
	}
	for i, raw := range raws {
		cp := childPath(p, i)
		child, err := w.readEntity(raw, cp)
		if err != nil {
			return err
		}
		target := c
		if alt {
			target = &alts[i]
		}
		if err := w.walk(child, depth+1, cp, target, inFwd, defType); err != nil {
			return err
		}
	}
	if alt {
		mergeAlternatives(c, alts)
	}
	return nil
}

// mergeAlternatives adds to c the best of the alternatives: the first plain
// text that is not blank, the last HTML, and every forwarded message.
//
// QUIRK: some webmail sends an empty or whitespace-only text/plain beside the
// real HTML; that plain part is passed over.
func mergeAlternatives(c *content, alts []content) {
	var plain, html []string
	for _, a := range alts {
		if plain == nil && !blank(a.plain) {
			plain = a.plain
		}
		if len(a.html) > 0 {
			html = a.html
		}
		c.forwards = append(c.forwards, a.forwards...)
	}
	c.plain = append(c.plain, plain...)
	c.html = append(c.html, html...)
}

// blank reports whether the texts hold nothing but white space.
func blank(texts []string) bool {
	for _, t := range texts {
		if strings.TrimSpace(t) != "" {
			return false
		}
	}
	return true
}

// readEntity reads a body part's header. A part that does not start with a
// header is all body.
func (w *walker) readEntity(raw body, p string) (entity, error) {
	var defects []string
	h, body, err := readHeaderBody(raw, w.lim.MaxHeaderBytes, &defects)
	for _, d := range defects {
		w.defect(p, "%s", d)
	}
	switch {
	case w.failed(err):
		return entity{body: raw.sub(0, 0)}, nil
	case err == errNoHeaderLine:
		// QUIRK: a part with no header and no blank line before its
		// body; RFC 2046 would take the first line as a header.
		w.defect(p, "part has no header")
		return entity{body: raw}, nil
	case err != nil:
		return entity{}, err
	}
	return entity{h: h, body: body}, nil
}

// walkMessage visits an attached message: a forward, or a message returned
// in a bounce.
func (w *walker) walkMessage(e entity, depth int, p string, c *content) error {
	inner, err := w.readEntity(w.decodeBody(e, p, true), p)
	if err != nil {
		return err
	}
	if w.embeddedID == "" {
		w.embeddedID = inner.h.messageID()
	}
	f := &forward{h: inner.h}
	c.forwards = append(c.forwards, f)
	return w.walk(inner, depth+1, p, &f.c, true, "text/plain")
}

// decode undoes the transfer encoding of b, the body or part of the body of
// e, recording damage as a defect of the part at p.
func (w *walker) decode(e entity, b []byte, p string) []byte {
	body, defect := decodeTransfer(e.h.get("Content-Transfer-Encoding"), b)
	if defect != "" {
		w.defect(p, "%s", defect)
	}
	return body
}

// noteReturnedHeader remembers the Message-ID of the header a DSN returns.
func (w *walker) noteReturnedHeader(e entity) {
	if w.bounceOf != "" {
		return
	}
	var defects []string
	h, _, err := readHeaderBody(w.returnedHeader(e), w.lim.MaxHeaderBytes, &defects)
	if err != nil {
		w.failed(err)
		return
	}
	w.bounceOf = h.messageID()
}

// leaf handles a part that is neither multipart nor a message: body text or
// an attachment.
func (w *walker) leaf(e entity, mt string, params map[string]string, p string, c *content) {
	disp, dparams := parseMediaType(e.h.get("Content-Disposition"), w.hint)
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = cleanFilename(decodeText(name, w.hint))
	isText := mt == "text/plain" || mt == "text/html"
	if isText && disp != "attachment" && name == "" {
		w.text(e, mt, params, p, c)
		return
	}
	var part Part
	if e.body.inMemory() {
		part.Body = w.decode(e, w.bytes(e.body), p)
		part.Size = int64(len(part.Body))
	} else {
		part.lazy = w.measure(e, p, true)
		part.Size = part.lazy.size
	}
	cid := parseContentID(e.h.get("Content-ID"))
	if part.Size == 0 && name == "" && cid == "" {
		return // an empty part without a name carries nothing
	}
	part.Filename, part.ContentType, part.ContentID = name, mt, cid
	part.Inline = disp == "inline" || disp == "" && cid != ""
	w.parts = append(w.parts, part)
}

// text decodes a body text part into c.
func (w *walker) text(e entity, mt string, params map[string]string, p string, c *content) {
	left := &w.textLeft
	if mt == "text/html" {
		left = &w.htmlLeft
	}
	if *left <= 0 {
		w.defect(p, "text beyond %d bytes dropped", w.lim.MaxTextBytes)
		return
	}
	// Quoted-printable takes at most three input bytes per output byte and
	// no charset shrinks text more, so this much input is enough for what
	// may still be kept.
	raw := w.bytes(e.body.sub(0, min(e.body.n, 3*int64(*left)+64)))
	body := w.decode(e, raw, p)
	cs := params["charset"]
	s, ok := decodeCharset(cs, body, w.hint)
	if !ok && cs != "" {
		w.defect(p, "charset %.40q unknown or wrong, guessed", cs)
	}
	s = strings.TrimPrefix(s, "\ufeff") // QUIRK: a BOM from Windows editors
	if mt == "text/plain" {
		s = normalizeNewlines(s)
		var files []uuFile
		if s, files = extractUU(s); files != nil {
			for _, f := range files {
				w.parts = append(w.parts, Part{Filename: f.name, ContentType: "application/octet-stream", Body: f.body, Size: int64(len(f.body))})
			}
		}
		if strings.EqualFold(params["format"], "flowed") {
			s = unflow(s, strings.EqualFold(params["delsp"], "yes"))
		}
	}
	if len(s) > *left {
		s = cutUTF8(s, *left)
		w.defect(p, "text cut at %d bytes", w.lim.MaxTextBytes)
	}
	*left -= len(s)
	if mt == "text/html" {
		c.html = append(c.html, s)
	} else {
		c.plain = append(c.plain, s)
	}
}

// childPath names part i of the part at p, IMAP style: "1", "1.2".
func childPath(p string, i int) string {
	if p == "" {
		return fmt.Sprint(i + 1)
	}
	return fmt.Sprintf("%s.%d", p, i+1)
}

// parseContentID strips the angle brackets from a Content-ID.
func parseContentID(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "<")
	v = strings.TrimSuffix(v, ">")
	return strings.TrimSpace(v)
}

// cleanFilename keeps the last element of a filename and drops control
// characters.
//
// QUIRK: Outlook and some scanners send the full Windows path
// ("C:\Documents\скан.pdf").
func cleanFilename(name string) string {
	name = cleanControls(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// cutUTF8 cuts s to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
