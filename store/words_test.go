package store

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalise(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ASCII capitals", "Ivan@Example.RU", "ivan@example.ru"},
		{"Cyrillic capitals", "СПРАВКА О Доходах", "справка о доходах"},
		{"ё as е", "Ёлка, ещё", "елка, еще"},
		{"ё decomposed (е and U+0308)", "е\u0308жик", "ежик"},
		{"й stays й", "Йошкар-Ола, чайник", "йошкар-ола, чайник"},
		{"й decomposed composes", "и\u0306", "й"},
		{"full-width digits and letters", "１２３ＡＢＣ", "123abc"},
		{"ligature", "ﬁle", "file"},
		{"non-breaking space is a space", "лицевой\u00a0счёт", "лицевой счет"},
		{"modifier capital gives lower case", "ᴬ", "a"},
		{"superscript digit", "м²", "м2"},
		{"Roman numeral", "Ⅻ", "xii"},
		{"Greek final sigma kept", "ΟΔΟΣ", "οδοσ"},
		{"nothing to do", "уже нормально 42", "уже нормально 42"},
	}
	for _, tt := range tests {
		if got := normalise(tt.in); got != tt.want {
			t.Errorf("%s: normalise(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// termTexts lists the terms of kind in ts, sorted.
func termTexts(ts terms, kind termKind) []string {
	var out []string
	for t := range ts {
		if t.kind == kind {
			out = append(out, t.text)
		}
	}
	slices.Sort(out)
	return out
}

func TestTextTerms(t *testing.T) {
	tests := []struct {
		name, text string
		words      string // space-separated, sorted
		addresses  string
	}{
		{"words and punctuation", "Здравствуйте! Не могу войти, пароль — не подходит.",
			"войти здравствуйте могу не пароль подходит", ""},
		{"a hyphenated word is joined too", "что-то", "то что чтото", ""},
		{"an account number with separators", "Л/с 12-345/67.", "12 1234567 345 67 л лс с", ""},
		{"digits and letters", "A-77 ткт-5", "5 77 a a77 ткт ткт5", ""},
		{"an address", "пишите: <Ivan.Petrov@Mail.Example.ru>,",
			"example ivan ivanpetrov ivanpetrovmailexampleru mail mailexampleru petrov ru пишите",
			"ivan.petrov@mail.example.ru"},
		{"an address after a label", "email:zoya@x.org", "email emailzoyaxorg org x xorg zoya", "zoya@x.org"},
		{"two addresses in one chunk", "a@b.ru,c@d.ru", "a abrucdru b bru c d dru ru", "a@b.ru c@d.ru"},
		{"not an address", "@ user@ @host", "host user", ""},
		{"underscore joins", "out_now", "now out outnow", ""},
		{"ё in text", "Счёт", "счет", ""},
	}
	for _, tt := range tests {
		ts := terms{}
		ts.addText(tt.text)
		if got := strings.Join(termTexts(ts, termWord), " "); got != tt.words {
			t.Errorf("%s: words of %q = %q, want %q", tt.name, tt.text, got, tt.words)
		}
		if got := strings.Join(termTexts(ts, termAddress), " "); got != tt.addresses {
			t.Errorf("%s: addresses of %q = %q, want %q", tt.name, tt.text, got, tt.addresses)
		}
	}
}

func TestNumberTerms(t *testing.T) {
	ts := terms{}
	ts.addNumber(123, "TKT-000123")
	if got := termTexts(ts, termNumber); !slices.Equal(got, []string{"123"}) {
		t.Errorf("number terms of TKT-000123 = %q, want [123]", got)
	}
	if got := termTexts(ts, termWord); !slices.Equal(got, []string{"000123", "123"}) {
		t.Errorf("words of TKT-000123 = %q, want [000123 123]", got)
	}
}

func TestSearchTerms(t *testing.T) {
	tests := []struct {
		name, search string
		want         []term
	}{
		{"a word in capitals", "СПРАВКА", []term{{termWord, "справка"}}},
		{"punctuation around", "«справка»,", []term{{termWord, "справка"}}},
		{"two words", "счёт  ОПЛАТА", []term{{termWord, "счет"}, {termWord, "оплата"}}},
		{"separators are joined", "12-345/67", []term{{termWord, "1234567"}}},
		{"an address", "Ivan@Example.RU", []term{{termAddress, "ivan@example.ru"}}},
		{"an address in brackets", "<ivan@example.ru>", []term{{termAddress, "ivan@example.ru"}}},
		{"half an address is a word", "ivan@", []term{{termWord, "ivan"}}},
		{"a domain is a word", "example.ru", []term{{termWord, "exampleru"}}},
		{"a ticket number", "TKT-000123", []term{{termNumber, "123"}}},
		{"a ticket number without hyphen or zeros", "tkt123", []term{{termNumber, "123"}}},
		{"not a ticket number", "TKT-12a", []term{{termWord, "tkt12a"}}},
		{"TKT-0 is no ticket", "TKT-0", []term{{termWord, "tkt0"}}},
		{"bare digits are a word", "000123", []term{{termWord, "000123"}}},
		{"only punctuation", " — ,, ", nil},
	}
	for _, tt := range tests {
		if got := searchTerms(tt.search); !slices.Equal(got, tt.want) {
			t.Errorf("%s: searchTerms(%q) = %v, want %v", tt.name, tt.search, got, tt.want)
		}
	}
}

// FuzzTerms checks the normaliser and the cutting of words on any text:
// normalising twice changes nothing; every word is normalised, valid and
// made of word runes; and a search for the text finds it: every term of
// searchTerms(s) but a ticket number is a term of s.
func FuzzTerms(f *testing.F) {
	for _, s := range []string{
		"Здравствуйте! Мой лицевой счёт 12-345/67, заявка A-77.",
		"пишите: <Ivan.Petrov@Mail.Example.ru>, email:zoya@x.org a@b.ru,c@d.ru",
		"TKT-000123 tkt-5 ﬁle １２３ ᴬ е\u0308 и\u0306 İstanbul ΟΔΟΣ ß ẞ",
		"@@ .@. a@-.ru \x00\xff\xfe м² Ⅻ ½ ‐hyphen‐ ۱۲۳ ١٢٣",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalise(s)
		if again := normalise(n); again != n {
			t.Fatalf("normalise(%q) = %q, but normalise of that = %q", s, n, again)
		}
		ts := terms{}
		ts.addText(s)
		for tm := range ts {
			if tm.text == "" || !utf8.ValidString(tm.text) || normalise(tm.text) != tm.text {
				t.Fatalf("term %q of %q: empty, invalid or not normalised", tm.text, s)
			}
			if tm.kind == termWord && strings.IndexFunc(tm.text, notWordRune) >= 0 {
				t.Fatalf("word %q of %q holds a character that is not of a word", tm.text, s)
			}
		}
		if len(s) > maxIndexedText {
			return
		}
		for _, st := range searchTerms(s) {
			if _, ok := ts[st]; !ok && st.kind != termNumber {
				t.Fatalf("searchTerms(%q) has %v, which the text's terms lack", s, st)
			}
		}
	})
}
