package mailparse

import "strings"

// fillText sets the text fields of l from what the message says. It
// reports whether the text had to be cut at max bytes.
func fillText(l *Letter, c *content, hint string, max int) (cut bool) {
	own := bodyText(c)
	if len(c.html) > 0 {
		l.HTML = sanitizeHTML(strings.Join(c.html, "\n"))
	}
	sp := splitQuote(own)
	var blocks, inner []string
	for _, f := range c.forwards {
		blocks = append(blocks, forwardBlock(f, hint))
		inner = append(inner, forwardDescription(f))
	}
	text := joinNonEmpty("\n\n", own, joinNonEmpty("\n\n", blocks...))
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

// bodyText is a letter's own plain text: its text/plain parts, or its HTML
// rendered as text when it has none.
func bodyText(c *content) string {
	texts := c.plain
	if blank(texts) {
		texts = nil
		for _, h := range c.html {
			texts = append(texts, htmlText(h))
		}
	}
	for i, t := range texts {
		texts[i] = strings.TrimRight(t, " \t\n")
	}
	return strings.Trim(joinNonEmpty("\n\n", texts...), "\n")
}

// forwardDescription is what the writer of a forwarded message wrote,
// looking through forwards of forwards that add no text of their own.
func forwardDescription(f *forward) string {
	for {
		own := bodyText(&f.c)
		if strings.TrimSpace(own) != "" || len(f.c.forwards) == 0 {
			if d := splitQuote(own).desc; d != "" {
				return d
			}
			return own
		}
		f = f.c.forwards[0]
	}
}

// forwardText is the whole text of a forwarded message, forwards included.
func forwardText(f *forward) string {
	var parts []string
	parts = append(parts, bodyText(&f.c))
	for _, inner := range f.c.forwards {
		parts = append(parts, forwardBlock(inner, ""))
	}
	return joinNonEmpty("\n\n", parts...)
}

// forwardBlock renders a forwarded message as Mail.ru and Thunderbird do, so
// that an operator sees who wrote it and the quote splitter knows it.
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
	b.WriteString(forwardText(f))
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
