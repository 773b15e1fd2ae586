package mailparse

import "strings"

// fillText sets the text fields of l from what the message says. It
// reports whether the text had to be cut at max bytes.
func fillText(l *Letter, c *content, hint string, max int) (cut bool) {
	render(c, hint)
	if len(c.html) > 0 {
		l.HTML = sanitizeHTML(strings.Join(c.html, "\n"))
	}
	sp := splitQuote(c.own)
	var blocks, inner []string
	for _, f := range c.forwards {
		blocks = append(blocks, f.block)
		inner = append(inner, forwardDescription(f))
	}
	text := joinNonEmpty("\n\n", c.own, joinNonEmpty("\n\n", blocks...))
	l.Text = cutUTF8(text, max)
	l.Description, l.Quoted, l.Signature = sp.desc, sp.quoted, sp.sig
	switch {
	case l.Description == "" && len(blocks) > 0:
		// A forward with no word of the writer's own: the forwarded
		// text is what the letter is about.
		l.Description = cutUTF8(joinNonEmpty("\n\n", inner...), max)
	case l.Description == "" && l.Quoted != "":
		// The same for a forward or quote inline.
		l.Description, l.Quoted = forwardedBody(l.Quoted), ""
	default:
		l.Quoted = cutUTF8(joinNonEmpty("\n\n", l.Quoted, joinNonEmpty("\n\n", blocks...)), max)
	}
	return len(l.Text) < len(text)
}

// render sets the own text of c and of every message forwarded in it, and
// the block each forward shows, bottom up, so that each HTML body is
// rendered once however deep the forwards nest.
func render(c *content, hint string) {
	c.own = bodyText(c)
	for _, f := range c.forwards {
		render(&f.c, hint)
		f.block = forwardBlock(f, hint)
	}
}

// bodyText is a letter's own plain text: its text/plain parts, or its HTML
// rendered as text when it has none.
func bodyText(c *content) string {
	texts := make([]string, 0, len(c.plain))
	for _, t := range c.plain {
		texts = append(texts, strings.TrimRight(t, " \t\n"))
	}
	if blank(texts) {
		texts = texts[:0]
		for _, h := range c.html {
			texts = append(texts, strings.TrimRight(htmlText(h), " \t\n"))
		}
	}
	return strings.Trim(joinNonEmpty("\n\n", texts...), "\n")
}

// forwardDescription is what the writer of a rendered forwarded message
// wrote, looking through forwards of forwards that add no text of their own.
func forwardDescription(f *forward) string {
	for strings.TrimSpace(f.c.own) == "" && len(f.c.forwards) > 0 {
		f = f.c.forwards[0]
	}
	if d := splitQuote(f.c.own).desc; d != "" {
		return d
	}
	return f.c.own
}

// forwardBlock renders a forwarded message, whose content is rendered, as
// Mail.ru and Thunderbird do, so that an operator sees who wrote it and the
// quote splitter knows it.
func forwardBlock(f *forward, hint string) string {
	var b strings.Builder
	b.WriteString("-------- Пересылаемое сообщение --------\n")
	for _, k := range [...]struct{ key, label string }{
		{"Subject", "Тема"}, {"Date", "Дата"}, {"From", "От"}, {"To", "Кому"},
	} {
		if v := decodeText(f.h.get(k.key), hint); v != "" {
			b.WriteString(k.label + ": " + v + "\n")
		}
	}
	b.WriteString("\n")
	parts := []string{f.c.own}
	for _, inner := range f.c.forwards {
		parts = append(parts, inner.block)
	}
	b.WriteString(joinNonEmpty("\n\n", parts...))
	return strings.TrimRight(b.String(), "\n")
}

// joinNonEmpty joins the strings that are not empty.
func joinNonEmpty(sep string, ss ...string) string {
	var keep []string
	for _, s := range ss {
		if s != "" {
			keep = append(keep, s)
		}
	}
	return strings.Join(keep, sep)
}
