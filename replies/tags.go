package replies

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ticketd/ticketd/store"
)

// ticketTag finds a ticket number in a subject as mail clients leave it:
// "[TKT-000123]", also inside "Re:"/"Fwd:"/"Отв:"/"Пересл:" chains and with
// the brackets mangled or lost ("TKT 000123", "(tkt-123)", "[TKT-000123").
// Group 1 is what stands before the tag, group 2 its opening bracket,
// group 3 its number and group 4 its closing bracket; what follows must
// not be a letter or a digit (tagAt checks it).
var ticketTag = regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}])([\[(]\s*)?TKT[\s\-–—_#№:]{0,3}(\d{1,9})(\s*[\])])?`)

// tag is one ticket tag found in a subject.
type tag struct {
	start, end int    // the tag with its brackets, in bytes
	number     string // normalised, e.g. TKT-000123; "" for no ticket (TKT-0)
}

// tags returns the ticket tags of subject, in order.
func tags(subject string) []tag {
	var out []tag
	for _, m := range ticketTag.FindAllStringSubmatchIndex(subject, -1) {
		end := m[1]
		if m[8] < 0 && startsWithAlnum(subject[end:]) {
			continue // TKT-12a, or more than 9 digits
		}
		var number string
		if n, err := strconv.ParseInt(subject[m[6]:m[7]], 10, 64); err == nil && n != 0 {
			number = store.TicketNumber(n)
		}
		out = append(out, tag{start: m[3], end: end, number: number})
	}
	return out
}

// startsWithAlnum reports whether s starts with a letter or a digit.
func startsWithAlnum(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// TagOf returns the normalised number of the first ticket named in
// subject ("TKT-000123"), or "".
func TagOf(subject string) string {
	for _, t := range tags(subject) {
		if t.number != "" {
			return t.number
		}
	}
	return ""
}

// StripTags returns subject without the tags of any ticket, with the white
// space they leave made single. Our letters put the ticket's own tag in
// front of the citizen's subject (the templates' "[{{.Number}}] …"): the
// citizen's subject repeats no tag, neither ours again nor another
// ticket's, which would thread the citizen's answer into that ticket or
// show a stranger's number.
func StripTags(subject string) string { return OwnTagOnly(subject, "") }

// keepTag removes from subject the tags of tickets other than number and
// every tag of number but the first ("" keeps none).
func keepTag(subject, number string) string {
	ts := tags(subject)
	if len(ts) == 0 {
		return subject
	}
	var b strings.Builder
	pos, kept := 0, false
	for _, t := range ts {
		if number != "" && t.number == number && !kept {
			kept = true
			continue
		}
		b.WriteString(subject[pos:t.start])
		b.WriteByte(' ')
		pos = t.end
	}
	b.WriteString(subject[pos:])
	return b.String()
}

// OwnTagOnly returns subject with the tag of ticket number at most once
// and the tags of other tickets taken out ("" takes out every tag), with
// the white space they leave made single.
func OwnTagOnly(subject, number string) string {
	// Taking a tag out may join what stood around it into another
	// ("TKT[TKT-1]-5"): again, until nothing changes; each pass shortens
	// the subject.
	for {
		s := strings.Join(strings.Fields(keepTag(subject, number)), " ")
		if s == subject {
			return s
		}
		subject = s
	}
}
