package mailparse

import (
	"slices"
	"strconv"
	"strings"
)

// parseMediaType splits a Content-Type or Content-Disposition value into its
// lower-case value and parameters with lower-case names. RFC 2231 extended
// and continued parameters are joined and decoded to UTF-8; other values are
// returned as written, unquoted. Unlike mime.ParseMediaType it never fails:
// the first of duplicate parameters wins, a missing closing quote ends the
// value at the end of the field, and an unquoted value runs to the next
// semicolon.
//
// QUIRK: unquoted values with tspecials are everywhere: Outlook's
// "boundary=----=_NextPart", "filename==?koi8-r?B?...?=" from The Bat!,
// names with spaces from web forms.
func parseMediaType(v, hint string) (string, map[string]string) {
	mt, rest, _ := strings.Cut(v, ";")
	mt = strings.ToLower(strings.Trim(mt, " \t\""))
	var (
		params   map[string]string
		sections map[string][]section
	)
	for rest != "" {
		rest = strings.TrimLeft(rest, " \t;")
		eq := strings.IndexAny(rest, "=;")
		if eq < 0 || rest[eq] == ';' {
			if eq < 0 {
				break
			}
			rest = rest[eq:]
			continue
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var value string
		value, rest = paramValue(rest)
		if name == "" {
			continue
		}
		if star := strings.IndexByte(name, '*'); star >= 0 {
			if sections == nil {
				sections = make(map[string][]section)
			}
			base := name[:star]
			sec := section{encoded: strings.HasSuffix(name, "*"), value: value}
			idx := strings.TrimSuffix(name[star+1:], "*")
			if idx == "" {
				sec.index = -1 // name*=: the whole value, extended
			} else if n, err := strconv.Atoi(idx); err == nil && n >= 0 && n < 1000 {
				sec.index = n
			} else {
				continue
			}
			sections[base] = append(sections[base], sec)
			continue
		}
		if params == nil {
			params = make(map[string]string)
		}
		if _, dup := params[name]; !dup {
			params[name] = value
		}
	}
	for name, secs := range sections {
		if params == nil {
			params = make(map[string]string)
		}
		// RFC 2231 section 4.1: the extended value wins over a plain one.
		params[name] = joinSections(secs, hint)
	}
	return mt, params
}

// paramValue reads a quoted string or a token from the start of s and returns
// it with the rest of s.
func paramValue(s string) (value, rest string) {
	if strings.HasPrefix(s, "\"") {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch c := s[i]; c {
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			case '"':
				return b.String(), s[i+1:]
			default:
				b.WriteByte(c)
			}
		}
		return b.String(), ""
	}
	value, rest, _ = strings.Cut(s, ";")
	return strings.TrimSpace(value), rest
}

// section is one piece of an RFC 2231 parameter.
type section struct {
	index   int // -1 for name*=
	encoded bool
	value   string
}

// joinSections assembles an RFC 2231 parameter from its sections and decodes
// it: charset'language'%XX-escaped.
func joinSections(secs []section, hint string) string {
	slices.SortStableFunc(secs, func(a, b section) int { return a.index - b.index })
	var (
		raw     []byte
		charset string
	)
	for i, s := range secs {
		if i > 0 && s.index == secs[i-1].index {
			continue // a duplicate section
		}
		v := s.value
		if s.encoded {
			if i == 0 {
				if cs, after, ok := strings.Cut(v, "'"); ok {
					charset = cs
					if _, after2, ok := strings.Cut(after, "'"); ok {
						v = after2
					} else {
						v = after
					}
				}
			}
			raw = append(raw, percentDecode(v)...)
		} else {
			raw = append(raw, v...)
		}
	}
	s, _ := decodeCharset(charset, raw, hint)
	return s
}

// percentDecode undoes %XX escapes, keeping a '%' that starts none.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}
