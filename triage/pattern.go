package triage

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A pattern is one compiled rule: a regular expression whose matches must
// start and end at word boundaries.
//
// Go's \b knows only ASCII letters, so the boundary is checked here instead:
// where a match begins with a letter or digit, the character before it must
// not be one, and likewise where it ends. A rule therefore matches whole
// words; a stem is written with \p{L}* after it (взлом\p{L}* matches взлом,
// взломали, взломщик but not невзломанный).
type pattern struct {
	re     *regexp.Regexp
	number int // index of the submatch named "number", or -1
}

// macroRef finds a macro reference, written (?&name) as in PCRE. RE2 rejects
// that syntax, so it can never be meant literally.
var macroRef = regexp.MustCompile(`\(\?&([a-z_][a-z0-9_]*)\)`)

// expandMacros replaces every (?&name) in src with the named fragment.
// Fragments may refer to other fragments, a few levels deep.
func expandMacros(src string, macros map[string]string) (string, error) {
	for range 4 {
		if !strings.Contains(src, "(?&") {
			return src, nil
		}
		var missing string
		src = macroRef.ReplaceAllStringFunc(src, func(ref string) string {
			name := macroRef.FindStringSubmatch(ref)[1]
			body, ok := macros[name]
			if !ok {
				missing = name
				return ref
			}
			return "(?:" + body + ")"
		})
		if missing != "" {
			return "", fmt.Errorf("unknown macro %q", missing)
		}
	}
	if strings.Contains(src, "(?&") {
		return "", fmt.Errorf("macros nested too deep or recursive")
	}
	return src, nil
}

// compilePattern compiles one rule after expanding its macros, for matching
// against normalised (lower-case) text. A rule written in lower case is
// compiled as it is; one with a capital letter is compiled case-insensitive,
// so that it still matches. Case folding is left out where it is not needed
// because it also turns off the regexp package's literal-prefix scan, which
// makes the rules several times faster.
func compilePattern(src string, macros map[string]string) (*pattern, error) {
	return compile(src, macros, false)
}

// compileFolded compiles a rule that is matched against text as written,
// case-insensitively.
func compileFolded(src string, macros map[string]string) (*pattern, error) {
	return compile(src, macros, true)
}

func compile(src string, macros map[string]string, fold bool) (*pattern, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("empty pattern")
	}
	expanded, err := expandMacros(src, macros)
	if err != nil {
		return nil, err
	}
	if fold || hasCapital(expanded) {
		expanded = "(?i)" + expanded
	}
	re, err := regexp.Compile(expanded)
	if err != nil {
		return nil, err
	}
	return &pattern{re: re, number: re.SubexpIndex("number")}, nil
}

// hasCapital reports whether the regular expression src has a capital letter
// that it matches literally: escapes (\S, \P{L}), Unicode class names and
// group names do not count.
func hasCapital(src string) bool {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\\':
			i++ // the escaped character
			if i < len(src) && (src[i] == 'p' || src[i] == 'P') && i+1 < len(src) && src[i+1] == '{' {
				end := strings.IndexByte(src[i:], '}')
				if end < 0 {
					return false // an unterminated class; compiling will say so
				}
				i += end
			}
		case c == '(' && strings.HasPrefix(src[i:], "(?P<"):
			if end := strings.IndexByte(src[i:], '>'); end > 0 {
				i += end
			}
		case c == '[' && strings.HasPrefix(src[i:], "[:"):
			if end := strings.Index(src[i:], ":]"); end > 0 {
				i += end + 1 // [[:alpha:]]
			}
		default:
			r, size := utf8.DecodeRuneInString(src[i:])
			if unicode.IsUpper(r) {
				return true
			}
			i += size - 1
		}
	}
	return false
}

// compilePatterns compiles a list of rules; an error names the failing entry
// under key.
func compilePatterns(key string, srcs []string, macros map[string]string) ([]*pattern, error) {
	ps := make([]*pattern, 0, len(srcs))
	for i, src := range srcs {
		p, err := compilePattern(src, macros)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// each calls fn with the submatch indexes of every word-bounded match in s,
// left to right, until fn returns false.
func (p *pattern) each(s string, fn func(m []int) bool) {
	for pos := 0; pos < len(s); {
		m := p.re.FindStringSubmatchIndex(s[pos:])
		if m == nil {
			return
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += pos
			}
		}
		start, end := m[0], m[1]
		if start == end || !bounded(s, start, end) {
			// No match can begin inside the word where this one failed: go
			// on after that word, which also keeps hostile input linear.
			pos = wordEnd(s, start)
			continue
		}
		if !fn(m) {
			return
		}
		pos = end
	}
}

// find returns the first word-bounded match in s, or nil.
func (p *pattern) find(s string) []int {
	var first []int
	p.each(s, func(m []int) bool {
		first = m
		return false
	})
	return first
}

// bounded reports whether s[start:end] begins and ends at word boundaries.
func bounded(s string, start, end int) bool {
	if start > 0 {
		first, _ := utf8.DecodeRuneInString(s[start:])
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		if isWordRune(first) && isWordRune(before) {
			return false
		}
	}
	if end < len(s) {
		last, _ := utf8.DecodeLastRuneInString(s[:end])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if isWordRune(last) && isWordRune(after) {
			return false
		}
	}
	return true
}

// wordEnd returns the index just past the word that contains s[i], or past
// s[i] itself when it is not part of a word.
func wordEnd(s string, i int) int {
	r, size := utf8.DecodeRuneInString(s[i:])
	if !isWordRune(r) {
		return i + max(size, 1)
	}
	for i < len(s) {
		r, size = utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			break
		}
		i += size
	}
	return i
}
