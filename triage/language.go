package triage

import "unicode"

// language returns "ru" when Cyrillic letters outnumber Latin ones in the
// given strings, else "en". A letter with no letters at all is "ru", the
// language of the service.
func language(parts ...string) string {
	cyrillic, latin := 0, 0
	for _, s := range parts {
		for _, r := range s {
			switch {
			case unicode.Is(unicode.Cyrillic, r):
				cyrillic++
			case unicode.Is(unicode.Latin, r):
				latin++
			}
		}
	}
	if cyrillic == 0 && latin == 0 || cyrillic > latin {
		return "ru"
	}
	return "en"
}
