package audit

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ticketd/ticketd/store"
)

// letterPath is where the n-th letter (from 1) of ticket number goes.
func letterPath(number string, n int, d store.Direction) string {
	dir := "in"
	if d == store.DirectionOut {
		dir = "out"
	}
	return fmt.Sprintf("letters/%s/%04d-%s.eml", SafeName(number), n, dir)
}

// filePath is where the n-th file (from 1) of the letter-th letter of
// ticket number goes.
func filePath(number string, letter, n int, name string) string {
	return fmt.Sprintf("files/%s/%04d-%d-%s", SafeName(number), letter, n, SafeName(name))
}

// maxNameBytes is the longest name SafeName returns, and maxExtBytes the
// longest extension it keeps when it shortens one.
const (
	maxNameBytes = 120
	maxExtBytes  = 16
)

// SafeName makes a file name a letter gave safe to unpack anywhere: no
// path separators, no "..", no control or formatting characters (which
// include the bidirectional ones that disguise an extension), none of the
// characters Windows refuses, no leading dot (a hidden file) and no
// trailing dot or space; at most maxNameBytes bytes, keeping the
// extension. Each character taken out becomes "_". A name with nothing
// left is "file".
func SafeName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			return '_'
		}
		return r
	}, name)
	name = tidy(name)
	if len(name) > maxNameBytes {
		ext := path.Ext(name)
		if len(ext) > maxExtBytes {
			ext = ""
		}
		name = tidy(cut(name[:len(name)-len(ext)], maxNameBytes-len(ext)) + ext)
	}
	if name == "" {
		return "file"
	}
	return name
}

// tidy makes runs of dots one dot and takes dots and spaces off both
// ends.
func tidy(name string) string {
	for strings.Contains(name, "..") {
		name = strings.ReplaceAll(name, "..", ".")
	}
	return strings.Trim(name, ". ")
}

// cut shortens s to at most n bytes, at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// safePath reports whether p is a path an export's entries have: relative,
// slash-separated, each element a name SafeName leaves as it is, or a
// ticket number's folder.
func safePath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") {
		return false
	}
	for _, el := range strings.Split(p, "/") {
		if el == "" || SafeName(el) != el {
			return false
		}
	}
	return true
}
