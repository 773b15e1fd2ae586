package triage

import (
	"strings"
	"unicode/utf8"
)

// QUIRK: citizens abroad, or at a computer without a Russian layout, write
// Russian in Latin letters: «ne mogu voiti v lichnyi kabinet». Such a letter
// is read as Russian: Extract spells it back in Cyrillic before the rules
// see it. The spelling back is a guess — y is ы or й, i is и or й, the soft
// sign is mostly left out — made good enough for the stems the rules use.

// translitWords are common Russian words as they are written in Latin
// letters; words that are also English («no», «on», «do») are left out.
var translitWords = wordSet(`ne net ya mne menya moi moy moya moe moego moih moikh nas vas vam vy
	na v vo s so k u iz za po ot dlya chto kak eto uzhe ili esli tolko ochen tozhe takzhe
	pozhaluista pozhaluysta pozhalujsta zdravstvuite zdravstvuyte zdravstvujte spasibo
	dobryi dobryy dobriy den vecher utro mogu mozhet voiti voyti vojti zaiti zayti zajti
	kabinet kabineta lichnyi lichnyy lichniy lichnyj parol parolya pomogite pochemu kogda gde
	bylo byl byla nado nuzhno seichas seychas sejchas segodnya vchera zayavlenie zayavleniya
	akkaunt dostup dostupa vzlomali pishet rabotaet nichego potomu uvazheniem dannye dannyh`)

// englishWords are English function words, the evidence against translit.
var englishWords = wordSet(`the to and is are my i you your of in it for with was were have has
	this that not can cannot be me please an on at from do no hello hi dear thanks thank would could`)

// softWords are transliterated words whose Cyrillic spelling has a soft sign
// that the Latin spelling drops.
var softWords = map[string]string{"parol": "пароль", "den": "день", "tolko": "только", "ochen": "очень", "vsyo": "всё"}

// softStems are the same for the beginnings of words: ispolzuet is
// использует.
var softStems = []struct{ latin, cyrillic string }{
	{"ispolz", "использ"}, {"polz", "польз"}, {"pism", "письм"}, {"lgot", "льгот"},
}

func wordSet(words string) map[string]bool {
	set := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}

// transliterated reports whether s, already lowered, is Russian written in
// Latin letters: it has more of the common transliterated Russian words than
// English function words, and at least two of them.
func transliterated(s string) bool {
	ru, en := 0, 0
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return (r < 'a' || r > 'z') && r != '\'' }) {
		w = strings.Trim(w, "'")
		switch {
		case translitWords[w]:
			ru++
		case englishWords[w]:
			en++
		}
	}
	return ru >= 2 && ru > en
}

// translitGraphs are the letter groups spelled back first, longest first.
var translitGraphs = []struct{ latin, cyrillic string }{
	{"shch", "щ"}, {"sch", "щ"}, {"zh", "ж"}, {"kh", "х"}, {"ch", "ч"}, {"sh", "ш"}, {"ts", "ц"},
	{"yu", "ю"}, {"ya", "я"}, {"yo", "е"}, {"ju", "ю"}, {"ja", "я"}, {"jo", "е"},
}

// translitLetters spells back single Latin letters; y, i and j are decided
// by their neighbours in cyrillicWord.
var translitLetters = map[byte]string{
	'a': "а", 'b': "б", 'c': "ц", 'd': "д", 'e': "е", 'f': "ф", 'g': "г", 'h': "х", 'k': "к",
	'l': "л", 'm': "м", 'n': "н", 'o': "о", 'p': "п", 'q': "к", 'r': "р", 's': "с", 't': "т",
	'u': "у", 'v': "в", 'w': "в", 'x': "кс", 'z': "з", '\'': "ь",
}

// cyrillic spells the lowered Latin words of s back in Cyrillic and leaves
// everything else as it is.
func cyrillic(s string) string {
	var b strings.Builder
	b.Grow(2 * len(s))
	for i := 0; i < len(s); {
		if !isLatinLower(s[i]) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteByte(s[i]) // keep invalid bytes as they are
			} else {
				b.WriteRune(r)
			}
			i += size
			continue
		}
		j := i
		for j < len(s) && (isLatinLower(s[j]) || (s[j] == '\'' && j > i)) {
			j++
		}
		b.WriteString(cyrillicWord(s[i:j]))
		i = j
	}
	return b.String()
}

func isLatinLower(c byte) bool { return c >= 'a' && c <= 'z' }

// cyrillicWord spells one lowered Latin word back in Cyrillic.
func cyrillicWord(w string) string {
	if c, ok := softWords[w]; ok {
		return c
	}
	var b strings.Builder
	vowelBefore := false // the last letter written is a vowel
	for _, st := range softStems {
		if strings.HasPrefix(w, st.latin) {
			b.WriteString(st.cyrillic)
			w = w[len(st.latin):]
			break
		}
	}
	if b.Len() == 0 && strings.HasPrefix(w, "et") {
		b.WriteString("э") // это, этот
		w, vowelBefore = w[1:], true
	}
next:
	for i := 0; i < len(w); {
		for _, g := range translitGraphs {
			if strings.HasPrefix(w[i:], g.latin) {
				b.WriteString(g.cyrillic)
				i += len(g.latin)
				vowelBefore = strings.ContainsAny(g.latin[len(g.latin)-1:], "aeiouy")
				continue next
			}
		}
		c := w[i]
		switch {
		case c == 'y' || c == 'j':
			// й at the start or after a vowel, ы after a consonant: novyi.
			if vowelBefore || i == 0 || c == 'j' {
				b.WriteString("й")
				vowelBefore = false
			} else {
				b.WriteString("ы")
				vowelBefore = true
			}
		case c == 'i':
			// й after a vowel when no vowel follows: voiti, lichnyi, moi.
			if vowelBefore && (i+1 == len(w) || strings.IndexByte("aeiouy", w[i+1]) < 0) {
				b.WriteString("й")
				vowelBefore = false
			} else {
				b.WriteString("и")
				vowelBefore = true
			}
		default:
			b.WriteString(translitLetters[c])
			vowelBefore = strings.IndexByte("aeou", c) >= 0
		}
		i++
	}
	return b.String()
}
