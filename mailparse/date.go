package mailparse

import (
	"net/mail"
	"strings"
	"time"
)

// dateLayouts are the layouts tried after net/mail.ParseDate, for dates that
// break RFC 5322 section 3.3 in ways seen in the wild.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04:05",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 MST",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon, Jan 2 2006 15:04:05 -0700",
	"Monday, January 2, 2006 15:04:05 -0700",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"02.01.2006 15:04:05",
	"02.01.2006 15:04",
}

// parseDate reads a Date field, returning the zero time when it cannot.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	// QUIRK: Russian servers of the 2000s wrote Moscow time as "MSK" or
	// "MSD"; time.Parse would read an unknown abbreviation as UTC.
	for _, z := range [...]struct{ abbr, offset string }{{" MSK", " +0300"}, {" MSD", " +0400"}} {
		if strings.HasSuffix(v, z.abbr) {
			v = strings.TrimSuffix(v, z.abbr) + z.offset
		}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	// QUIRK: comments, doubled spaces, "GMT+0300", "+03:00", trailing dots
	// and commas come from home-made mailers and web forms.
	v = stripComments(v)
	v = strings.Join(strings.Fields(strings.NewReplacer(",", ", ", ".", ". ").Replace(v)), " ")
	v = strings.NewReplacer(" ,", ",", ",,", ",", ". ", ".", "GMT+", "+", "GMT-", "-", "UT+", "+", "UTC+", "+", "UTC-", "-").Replace(v)
	v = fixZoneColon(v)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

// stripComments removes parenthesised comments.
func stripComments(v string) string {
	var b strings.Builder
	depth := 0
	for _, r := range v {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// fixZoneColon turns a trailing "+03:00" zone into "+0300".
func fixZoneColon(v string) string {
	n := len(v)
	if n >= 6 && (v[n-6] == '+' || v[n-6] == '-') && v[n-3] == ':' {
		return v[:n-3] + v[n-2:]
	}
	return v
}
