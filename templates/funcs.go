package templates

import (
	"errors"
	"fmt"
	"strings"
	"text/template"
	"time"
)

// funcs are the functions the templates of language lang may call.
func (s *Set) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		// when formats a time for citizens: 02.01.2006 15:04 and the zone,
		// in the service's zone. Russian letters say МСК, not MSK.
		"when": func(t time.Time) string {
			out := t.In(s.loc).Format("02.01.2006 15:04 MST")
			if lang == "ru" {
				out = strings.Replace(out, " MSK", " МСК", 1)
			}
			return out
		},
		// plural picks the word form for n: {{plural .Hours "часа" "часов"
		// "часов"}} in Russian (one, few, many), {{plural .Hours "hour"
		// "hours"}} in English (one, other).
		"plural": func(n int, forms ...string) (string, error) {
			i := pluralForm(lang, n)
			if i >= len(forms) {
				return "", fmt.Errorf("plural %d: want %d word forms for %s, got %d", n, i+1, lang, len(forms))
			}
			return forms[i], nil
		},
		// fail stops the rendering with msg, for values a template cannot
		// show: {{fail "status: want in_progress, approved or rejected"}}.
		"fail": func(msg string) (string, error) { return "", errors.New(msg) },
	}
}

// pluralForm returns the index of the word form for n: for Russian 0 (1, 21,
// 101…), 1 (2–4, 22–24…) or 2 (0, 5–20, 25…); for other languages 0 for 1
// and 1 for anything else.
func pluralForm(lang string, n int) int {
	if n < 0 {
		n = -n
	}
	if lang != "ru" {
		if n == 1 {
			return 0
		}
		return 1
	}
	switch d, dd := n%10, n%100; {
	case d == 1 && dd != 11:
		return 0
	case d >= 2 && d <= 4 && (dd < 12 || dd > 14):
		return 1
	}
	return 2
}
