package triage

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ticketd/ticketd/triage/internal/pattern"
)

// nameRules find the citizen's full name.
type nameRules struct {
	labels   *pattern.Pattern // «ФИО:», "Full name:"
	intros   *pattern.Pattern // «Меня зовут», «Я,», "My name is"
	signoffs *pattern.Pattern // «С уважением,», "Regards,"
	notNames map[string]bool
	index    *pattern.Index // of labels, intros and signoffs
}

// The shapes of a name. A word is in Title Case or in CAPITALS (with one
// hyphen for double surnames); a name is two or three words of one style, or
// a surname with two initials on either side.
const (
	titleWord = `\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?`
	capsWord  = `\p{Lu}{2,}(?:-\p{Lu}{2,})?`
	initials  = `\p{Lu}\.[ \t]?\p{Lu}\.?`
	nameShape = titleWord + `[ \t]+` + initials + `|` + initials + `[ \t]?` + titleWord + `|` +
		capsWord + `[ \t]+` + initials + `|` +
		titleWord + `(?:[ \t]+` + titleWord + `){1,2}|` + capsWord + `(?:[ \t]+` + capsWord + `){1,2}`
)

var (
	nameAt        = regexp.MustCompile(`^(?:` + nameShape + `)`)
	nameLine      = regexp.MustCompile(`^(?:` + nameShape + `)[.,!]?$`)
	withInitials  = regexp.MustCompile(titleWord + `[ \t]+` + initials + `|` + initials + `[ \t]?` + titleWord)
	patronymic    = regexp.MustCompile(`(?i)(?:ович|евич|ьич|ична|инична|овна|евна)$`)
	surname       = regexp.MustCompile(`(?i)(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|ская|цкий|цкая|енко|ук|юк|ян|дзе|швили)$`)
	nameSeparator = regexp.MustCompile(`^[ \t]*[:,\-–—]?[ \t]*\n?[ \t]*`)
	spaces        = regexp.MustCompile(`[ \t]+`)
	initialsGap   = regexp.MustCompile(`(\p{Lu}\.)[ \t]+(\p{Lu}\.)`)
	// thirdParty ends the text before a name that is not the writer's:
	// «заявления какого-то Смирнова А.П.», «на имя Фроловой Е.В.».
	thirdParty = regexp.MustCompile(`(?i)(?:какого-?то|какой-?то|каких-?то|некоего|некой|на\s+имя)[ \t]*$`)
)

// signatureLines is how many of the last lines of the text may hold a name on
// its own.
const signatureLines = 3

// FullNameFromSignature returns the citizen's full name from a signature
// block, such as the one the caller split off the text: after a sign-off
// («С уважением,»), or a line that is only a name, or a surname with
// initials. It returns "" when there is none.
func (r *Rules) FullNameFromSignature(sig string) string {
	sig = strings.ReplaceAll(clip(sig, maxTextBytes), "\r", "")
	if name := r.names.after(r.names.signoffs, r.names.index.Scan(sig)); name != "" {
		return name
	}
	for _, line := range strings.Split(sig, "\n") {
		if name := r.names.line(line); name != "" {
			return name
		}
	}
	return r.names.withInitials(sig)
}

// find returns the name in the citizen's text: after a label, an intro or a
// sign-off, or on a line of its own near the end, or a surname with initials.
func (nr *nameRules) find(text string) string {
	scanned := nr.index.Scan(text)
	for _, p := range []*pattern.Pattern{nr.labels, nr.intros, nr.signoffs} {
		if name := nr.after(p, scanned); name != "" {
			return name
		}
	}
	lines := strings.Split(strings.TrimRight(text, " \t\n"), "\n")
	for i, seen := len(lines)-1, 0; i >= 0 && seen < signatureLines; i-- {
		if strings.TrimSpace(lines[i]) == "" {
			continue
		}
		seen++
		if name := nr.line(lines[i]); name != "" {
			return name
		}
	}
	return nr.withInitials(text)
}

// after returns the first name that directly follows a match of p.
func (nr *nameRules) after(p *pattern.Pattern, text *pattern.Text) string {
	if p == nil {
		return ""
	}
	var name string
	p.Each(text, func(m []int) bool {
		rest := text.String()[m[1]:]
		rest = rest[len(nameSeparator.FindString(rest)):]
		name = nr.accept(nameAt.FindString(rest), rest)
		return name == ""
	})
	return name
}

// line returns the name when line is nothing but a name. A name in capitals
// needs a patronymic or a word ending like a Russian surname (НОСОВ ВИКТОР),
// or shouting sentences would pass for names.
func (nr *nameRules) line(line string) string {
	line = strings.TrimSpace(line)
	if !nameLine.MatchString(line) {
		return ""
	}
	candidate := nameAt.FindString(line)
	if isCaps(candidate) && !strings.Contains(candidate, ".") && !hasPatronymic(candidate) && !hasSurname(candidate) {
		return ""
	}
	return nr.accept(candidate, line)
}

// withInitials returns the first surname with initials in text that is not
// introduced as someone else's.
func (nr *nameRules) withInitials(text string) string {
	if !hasInitial(text) {
		return ""
	}
	for _, loc := range withInitials.FindAllStringIndex(text, -1) {
		if thirdParty.MatchString(text[max(0, loc[0]-64):loc[0]]) {
			continue
		}
		if name := nr.accept(text[loc[0]:loc[1]], text[loc[0]:]); name != "" && pattern.Bounded(text, loc[0], loc[1]) {
			return name
		}
	}
	return ""
}

// hasInitial reports whether text has a capital letter followed by a full
// stop, as every match of withInitials does.
func hasInitial(text string) bool {
	for i := strings.IndexByte(text, '.'); i >= 0; {
		if r, _ := utf8.DecodeLastRuneInString(text[:i]); unicode.IsUpper(r) {
			return true
		}
		next := strings.IndexByte(text[i+1:], '.')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

// accept tidies candidate, which starts rest, or returns "" when it is not a
// name: it runs on into a longer word, or one of its words is never a name.
func (nr *nameRules) accept(candidate, rest string) string {
	if candidate == "" {
		return ""
	}
	if r, _ := utf8.DecodeRuneInString(rest[len(candidate):]); unicode.IsLetter(r) {
		return ""
	}
	words := strings.Fields(strings.NewReplacer(".", " ", "-", " ").Replace(candidate))
	for _, w := range words {
		if nr.notNames[strings.ToLower(w)] {
			return ""
		}
	}
	name := spaces.ReplaceAllString(candidate, " ")
	name = initialsGap.ReplaceAllString(name, "$1$2")
	return titleCase(name)
}

// titleCase rewrites words in capitals as Title Case (ИВАНОВ → Иванов) and
// leaves other words, and initials (С.А.), as written.
func titleCase(name string) string {
	words := strings.Split(name, " ")
	for i, w := range words {
		parts := strings.Split(w, "-")
		for j, p := range parts {
			if utf8.RuneCountInString(p) > 1 && isCaps(p) && !strings.Contains(p, ".") {
				first, size := utf8.DecodeRuneInString(p)
				parts[j] = string(first) + strings.ToLower(p[size:])
			}
		}
		words[i] = strings.Join(parts, "-")
	}
	return strings.Join(words, " ")
}

// isCaps reports whether s has letters and none of them is lower case.
func isCaps(s string) bool {
	letters := false
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		letters = letters || unicode.IsLetter(r)
	}
	return letters
}

// hasSurname reports whether one of the words of name ends like a Russian
// surname.
func hasSurname(name string) bool {
	for _, w := range strings.Fields(name) {
		if surname.MatchString(w) {
			return true
		}
	}
	return false
}

// hasPatronymic reports whether one of the words of name ends like a Russian
// patronymic.
func hasPatronymic(name string) bool {
	for _, w := range strings.Fields(name) {
		if patronymic.MatchString(w) {
			return true
		}
	}
	return false
}
