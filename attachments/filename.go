package attachments

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxNameRunes is the longest Filename, extension included.
const maxNameRunes = 100

// maxExtRunes is the longest tail after the last dot, dot included, that
// is kept as an extension when a long name is cut.
const maxExtRunes = 16

// sanitizeName makes the filename a letter gave safe to show and to save:
// it keeps the last path element (after / or \), composes it to NFC,
// drops control and formatting characters (among them the bidi overrides
// of the "photo\u202Egnp.exe" trick), replaces characters Windows forbids,
// trims dots and spaces at the ends and cuts it to maxNameRunes keeping
// the extension. An empty result becomes "attachment-n" with the extension
// of the detected type.
func sanitizeName(name, detected string, n int) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = norm.NFC.String(name)
	name = strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	name = strings.TrimLeft(name, ". ")
	name = strings.TrimRight(name, ". ")
	name = strings.TrimLeft(capName(name), ". ")
	if name == "" {
		return fmt.Sprintf("attachment-%d%s", n, extension(detected))
	}
	base, _ := splitExt(name)
	if reservedOnWindows(base) {
		name = "_" + name
	}
	return name
}

// fixExtension gives an accepted file the extension of its detected type,
// so that "scan.jpg" holding a PDF is offered as "scan.pdf".
func fixExtension(name, detected string) string {
	base, ext := splitExt(name)
	if extensionFits(ext, detected) {
		return name
	}
	if base == "" {
		base = name
	}
	return capName(base + extension(detected))
}

// capName cuts name to maxNameRunes runes, keeping a short extension.
func capName(name string) string {
	if utf8.RuneCountInString(name) <= maxNameRunes {
		return name
	}
	base, ext := splitExt(name)
	if base == "" || utf8.RuneCountInString(ext) > maxExtRunes {
		base, ext = name, ""
	}
	r := []rune(base)
	keep := maxNameRunes - utf8.RuneCountInString(ext)
	return strings.TrimRight(string(r[:keep]), ". ") + ext
}

// splitExt splits "name.ext" into "name" and ".ext"; ext is "" without a
// dot.
func splitExt(name string) (base, ext string) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return name, ""
	}
	return name[:i], name[i:]
}

// reservedOnWindows reports whether base is a device name that Windows
// will not save as a file, whatever the extension.
func reservedOnWindows(base string) bool {
	switch strings.ToUpper(strings.TrimSpace(base)) {
	case "CON", "PRN", "AUX", "NUL",
		"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		return true
	}
	return false
}
