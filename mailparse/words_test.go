package mailparse

import (
	"reflect"
	"testing"
	"time"
)

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name, in, hint, want string
	}{
		{"RFC 2047 B cp1251", "=?windows-1251?B?z/Do4uXy?=", "", "Привет"},
		{"RFC 2047 Q koi8-r", "=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=", "", "Привет"},
		{"RFC 2047 section 8 adjacent words", "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "", "(ab)"},
		{"RFC 2047 section 8 text between", "(=?ISO-8859-1?Q?a?= b)", "", "(a b)"},
		{"RFC 2047 underscore", "=?utf-8?q?a_b?=", "", "a b"},
		{"Gmail UTF-8 split between words", "=?UTF-8?B?0J/R?= =?UTF-8?B?gNC4?=", "", "При"},
		{"word glued to text", "Re:=?utf-8?B?0JTQsA==?=!", "", "Re:Да!"},
		{"lower-case charset and encoding", "=?UTF-8?b?0JTQsA?=", "", "Да"},
		{"missing base64 padding", "=?utf-8?B?0JTQsA?=", "", "Да"},
		{"RFC 2231 language in word", "=?utf-8*ru?B?0JTQsA==?=", "", "Да"},
		{"unknown charset guessed", "=?x-unknown?B?z/Do4uXy?=", "", "Привет"},
		{"not a word", "=?utf-8?X?abc?=", "", "=?utf-8?X?abc?="},
		{"unterminated word", "=?utf-8?B?0JTQsA", "", "=?utf-8?B?0JTQsA"},
		{"Outlook raw cp1251", "\xc6\xe0\xeb\xee\xe1\xe0 \xed\xe0 \xf8\xf3\xec", "", "Жалоба на шум"},
		{"raw KOI8-R", "\xf6\xc1\xcc\xcf\xc2\xc1 \xce\xc1 \xdb\xd5\xcd", "", "Жалоба на шум"},
		{"raw latin-1", "Caf\xe9 cr\xe8me", "", "Café crème"},
		{"control characters", "a\tb\r\n c=?utf-8?q?=0A?=", "", "a b   c"},
		{"hint breaks a tie", "\xf4\xe5\xf3\xf4", "koi8-r", "ТЕСТ"},
		{"UTF-8 labelled windows-1251", "=?windows-1251?B?0J/RgNC40LLQtdGC?=", "", "Привет"},
	}
	for _, tt := range tests {
		if got := decodeText(tt.in, tt.hint); got != tt.want {
			t.Errorf("decodeText(%q) [%s] = %q, want %q", tt.in, tt.name, got, tt.want)
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"Привет, как дела?", "utf-8"},
		{"\xcf\xf0\xe8\xe2\xe5\xf2, \xea\xe0\xea \xe4\xe5\xeb\xe0?", "windows-1251"},
		{"\xf0\xd2\xc9\xd7\xc5\xd4, \xcb\xc1\xcb \xc4\xc5\xcc\xc1?", "koi8-u"},
		{"\xcf\xd0\xc8\xc2\xc5\xd2 \xc2\xd1\xc5\xcc", "windows-1251"}, // cp1251, upper case
		{"Gr\xfc\xdfe aus M\xfcnchen", "windows-1252"},
		{"Привет\xff", "utf-8"}, // mostly UTF-8, cut
	}
	for _, tt := range tests {
		if got := sniff([]byte(tt.in), ""); got != tt.want {
			t.Errorf("sniff(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseMediaType(t *testing.T) {
	tests := []struct {
		in     string
		mt     string
		params map[string]string
	}{
		{`text/plain; charset="utf-8"; format=flowed`, "text/plain", map[string]string{"charset": "utf-8", "format": "flowed"}},
		{`TEXT/Plain;Charset=KOI8-R`, "text/plain", map[string]string{"charset": "KOI8-R"}},
		{`multipart/mixed; boundary=----=_NextPart_000_0001`, "multipart/mixed", map[string]string{"boundary": "----=_NextPart_000_0001"}},
		{`attachment; filename*=UTF-8''%D0%94%D0%B0.pdf`, "attachment", map[string]string{"filename": "Да.pdf"}},
		{`attachment; filename*=windows-1251'ru'%C4%E0.pdf`, "attachment", map[string]string{"filename": "Да.pdf"}},
		{`attachment; filename*0*=UTF-8''%D0%94; filename*1*=%D0%B0; filename*2=.pdf`, "attachment", map[string]string{"filename": "Да.pdf"}},
		{`attachment; filename*1="b.txt"; filename*0="a"`, "attachment", map[string]string{"filename": "ab.txt"}},
		{`attachment; filename="plain.txt"; filename*=UTF-8''ext.txt`, "attachment", map[string]string{"filename": "ext.txt"}},
		{`attachment; filename="dup.txt"; filename="second.txt"`, "attachment", map[string]string{"filename": "dup.txt"}},
		{`attachment; filename="no closing quote`, "attachment", map[string]string{"filename": "no closing quote"}},
		{`attachment; filename=my file.doc`, "attachment", map[string]string{"filename": "my file.doc"}},
		{`attachment; filename="a \"quoted\" name"`, "attachment", map[string]string{"filename": `a "quoted" name`}},
		{`inline;;; name`, "inline", nil},
		{``, "", nil},
	}
	for _, tt := range tests {
		mt, params := parseMediaType(tt.in, "")
		if mt != tt.mt || !reflect.DeepEqual(params, tt.params) {
			t.Errorf("parseMediaType(%q) = %q, %v; want %q, %v", tt.in, mt, params, tt.mt, tt.params)
		}
	}
}

func TestParseDate(t *testing.T) {
	msk := time.FixedZone("", 3*3600)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"Mon, 15 Jan 2024 09:30:00 +0300", time.Date(2024, 1, 15, 9, 30, 0, 0, msk)},
		{"Mon, 15 Jan 2024 09:30:00 +0300 (MSK)", time.Date(2024, 1, 15, 9, 30, 0, 0, msk)},
		{"15 Jan 2024 09:30 +0300", time.Date(2024, 1, 15, 9, 30, 0, 0, msk)},
		{"Mon,  15 Jan 2024 09:30:00 GMT+0300", time.Date(2024, 1, 15, 9, 30, 0, 0, msk)},
		{"Mon, 15 Jan 2024 09:30:00 +03:00", time.Date(2024, 1, 15, 9, 30, 0, 0, msk)},
		{"2024-01-15 09:30:00 +0300", time.Date(2024, 1, 15, 9, 30, 0, 0, msk)},
		{"Mon Jan 15 09:30:00 2024", time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC)},
		{"Mon, 15 Jan 2024 09:30:00 MSK", time.Date(2024, 1, 15, 9, 30, 0, 0, msk)},
		{"Mon, 15 Jan 07 09:30:00 +0300", time.Date(2007, 1, 15, 9, 30, 0, 0, msk)},
		{"15.01.2024 09:30", time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC)},
		{"вчера вечером", time.Time{}},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		if got := parseDate(tt.in); !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseAddressList(t *testing.T) {
	tests := []struct {
		in   string
		want []Address
	}{
		{`"Иванов, Иван" <ivan@example.ru>, petr@example.ru`, []Address{{"Иванов, Иван", "ivan@example.ru"}, {"", "petr@example.ru"}}},
		{`=?utf-8?B?0JjQstCw0L0=?= <ivan@example.ru>`, []Address{{"Иван", "ivan@example.ru"}}},
		{"\xc8\xe2\xe0\xed <ivan@example.ru>", []Address{{"Иван", "ivan@example.ru"}}},           // raw cp1251 name
		{`"=?utf-8?B?0JjQstCw0L0=?=" <ivan@example.ru>`, []Address{{"Иван", "ivan@example.ru"}}}, // encoded word in quotes
		{`Ivan Q. Public <ivan@example.ru>`, []Address{{"Ivan Q. Public", "ivan@example.ru"}}},   // unquoted dot
		{`ivan@example.ru (Иван)`, []Address{{"Иван", "ivan@example.ru"}}},                       // comment name
		{`undisclosed-recipients:;`, nil},                                                                      // empty group
		{`Ivan <ivan@example.ru`, []Address{{"Ivan", "ivan@example.ru"}}},                                      // no '>'
		{`<a@example.ru>, broken, "B" <b@example.ru>`, []Address{{"", "a@example.ru"}, {"B", "b@example.ru"}}}, // one bad entry
	}
	for _, tt := range tests {
		if got := parseAddressList(tt.in, ""); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseAddressList(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestParseMsgIDs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"<a@b> <c@d>", []string{"a@b", "c@d"}},
		{"<a@b>\r\n\t<c@d>", []string{"a@b", "c@d"}},
		{"<a@\r\n b>", []string{"a@b"}},
		{"a@b", []string{"a@b"}},
		{"<a@b> (comment)", []string{"a@b"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := parseMsgIDs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseMsgIDs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
