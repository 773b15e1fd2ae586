package templates

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// TextLanguage is the language of a catalog title or description given as
// a plain string (description = "…"), as every catalog before titles in
// several languages was written.
const TextLanguage = "en"

// text is a catalog text for people (title, description): language →
// text. In catalog.toml it is a plain string, in TextLanguage, or a table
// of texts by language:
//
//	description = "Status of the citizen's application"
//	title.en = "Application status"
//	title.ru = "Статус заявления"
type text map[string]string

// languageCode is what a language of a catalog text may be called: a
// folder of templates (ru, en).
var languageCode = regexp.MustCompile(`^[a-z]{2,3}$`)

// UnmarshalTOML decodes a plain string or a table of strings by language.
func (t *text) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		*t = text{TextLanguage: v}
	case map[string]any:
		out := text{}
		for lang, s := range v {
			if !languageCode.MatchString(lang) {
				return fmt.Errorf("%q is not a language (want ru, en, …)", lang)
			}
			str, ok := s.(string)
			if !ok {
				return fmt.Errorf("%s: want a string", lang)
			}
			out[lang] = str
		}
		*t = out
	default:
		return fmt.Errorf("want a string or a table of strings by language")
	}
	return nil
}

// in returns the text in lang, else in TextLanguage, else in
// DefaultLanguage, else in the first language by name; "" when t is
// empty.
func (t text) in(lang string) string {
	for _, l := range []string{lang, TextLanguage, DefaultLanguage} {
		if s := strings.TrimSpace(t[l]); s != "" {
			return s
		}
	}
	for _, l := range slices.Sorted(maps.Keys(t)) {
		if s := strings.TrimSpace(t[l]); s != "" {
			return s
		}
	}
	return ""
}

// blank returns the first language, by name, whose text is blank.
func (t text) blank() (string, bool) {
	for _, l := range slices.Sorted(maps.Keys(t)) {
		if strings.TrimSpace(t[l]) == "" {
			return l, true
		}
	}
	return "", false
}

// clone copies t; nil when t is empty, so that JSON leaves it out.
func (t text) clone() map[string]string {
	if len(t) == 0 {
		return nil
	}
	return maps.Clone(t)
}
