package mailparse

import (
	"reflect"
	"strings"
	"testing"
)

// TestParseAddressListPoison reads From fields that broke the composing of
// acknowledgements: each must give the address a mail client would reply
// to, or none at all, and a name that is one clean line.
func TestParseAddressListPoison(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Address
	}{
		// Recovered: the address is certain, the name is read as a client shows it.
		{"quote that does not close", `"Магазин "Ромашка <shop@example.ru>`, []Address{{"Магазин Ромашка", "shop@example.ru"}}},
		{"backslash before the closing quote", `"Ivanov \" <a@example.ru>`, []Address{{"Ivanov", "a@example.ru"}}},
		{"backslash and no opening quote", `Ivanov \" <a@example.ru>`, []Address{{"Ivanov", "a@example.ru"}}},
		{"missing >", `Иван <ivan@example.ru`, []Address{{"Иван", "ivan@example.ru"}}},
		{"quoted local part with a space", `"john smith"@example.ru`, []Address{{"", "john smith@example.ru"}}},
		{"quoted local part in brackets", `John <"john smith"@example.ru>`, []Address{{"John", "john smith@example.ru"}}},
		{"doubled dot in the local part", `ivan..petrov@example.ru`, []Address{{"", "ivan..petrov@example.ru"}}},
		{"IDN domain", `Иван <ivan@пример.рф>`, []Address{{"Иван", "ivan@пример.рф"}}},
		{"UTF-8 local part (RFC 6532)", `иван@пример.рф`, []Address{{"", "иван@пример.рф"}}},
		{"address literal", `Ivan <ivan@[192.0.2.1]>`, []Address{{"Ivan", "ivan@[192.0.2.1]"}}},
		{"one broken mailbox of two", `Ivan <ivan@example.ru>, Petr <petr@@example.ru>`, []Address{{"Ivan", "ivan@example.ru"}}},
		{"a good mailbox after a broken one", `Иван ivan@example.ru, "Petr Petrov" <petr@example.ru>`,
			[]Address{{"Иван", "ivan@example.ru"}, {"Petr Petrov", "petr@example.ru"}}},
		// By RFC 5322 the escaped quote runs on to the next one: the first
		// "mailbox" is part of a quoted name, and petr's is the only address.
		{"escaped quote before a second mailbox", `"Ivanov \" <a@example.ru>, "Petr Petrov" <petr@example.ru>`,
			[]Address{{"", "petr@example.ru"}}},

		// The address in the name is not the sender: the reply goes to the one in <…>.
		{"an address as the name", `"evil@attacker.example" <victim@example.ru>`, []Address{{"", "victim@example.ru"}}},
		{"two addresses as the name", `"a@x.ru, b@y.ru" <c@z.ru>`, []Address{{"", "c@z.ru"}}},
		{"Outlook: own address as the name", `"ivan@example.ru" <ivan@example.ru>`, []Address{{"", "ivan@example.ru"}}},
		{"name with <, >, ;, :", `"Ivan <boss>; Co: Ltd" <ivan@example.ru>`, []Address{{"Ivan <boss>; Co: Ltd", "ivan@example.ru"}}},

		// Dropped: no address we could be sure of.
		{"doubled @", `a@@example.ru`, nil},
		{"two @", `a@b@example.ru`, nil},
		{"doubled @ in brackets", `Ivan <a@@example.ru>`, nil},
		{"empty brackets", `Ivan <>`, nil},
		{"no @ at all", `Ivan Petrov`, nil},
		{"domain with an empty label", `ivan@example..ru`, nil},
		{"only a name and a comma", `"Ivan",`, nil},

		// Names that would have broken a header.
		{"encoded CR LF Bcc", `=?utf-8?q?Ivan=0D=0ABcc:_x?= <v@example.ru>`, []Address{{"Ivan Bcc: x", "v@example.ru"}}},
		{"encoded CR LF Bcc with an address", `=?utf-8?q?a=0D=0ABcc:_x@y?= <v@example.ru>`, []Address{{"", "v@example.ru"}}},
		{"encoded NUL", `=?utf-8?q?a=00b?= <v@example.ru>`, []Address{{"a b", "v@example.ru"}}},
		{"encoded U+2028", `=?utf-8?b?0JjQstCw0L3igKjQn9C10YLRgA==?= <v@example.ru>`, []Address{{"Иван Петр", "v@example.ru"}}},
		{"encoded U+0085", `=?utf-8?q?Ivan=C2=85Petr?= <v@example.ru>`, []Address{{"Ivan Petr", "v@example.ru"}}},
		{"name of spaces", `"    " <v@example.ru>`, []Address{{"", "v@example.ru"}}},
		{"name of control characters", `=?utf-8?q?=01=02=0D=0A?= <v@example.ru>`, []Address{{"", "v@example.ru"}}},
		{"runs of white space", "\"Ivan \t  Petrov\" <v@example.ru>", []Address{{"Ivan Petrov", "v@example.ru"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseAddressList(tt.in, "")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseAddressList(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseAddressListClean checks what any From field gives: addresses
// without white space or control characters and one '@' at least, names on
// one line without an '@'.
func TestParseAddressListClean(t *testing.T) {
	for _, in := range []string{
		`"a\"b"@example.ru`, `<"x\ty"@example.ru>`, "Ivan <ivan@example.ru>\u2028Bcc: x@y",
		`"Ivan" <ivan@example.ru>, <@>, <a@>, <@b>, "" <>`, `=?utf-8?q?=E2=80=AE=D0=98?= <v@example.ru>`,
		strings.Repeat(`"`, 30) + `<v@example.ru>`, `(comment) v@example.ru (Ivan)`,
	} {
		for _, a := range parseAddressList(in, "") {
			if strings.ContainsFunc(a.Address, isLineControl) || !strings.Contains(a.Address, "@") {
				t.Errorf("parseAddressList(%q): address %q", in, a.Address)
			}
			if strings.ContainsFunc(a.Name, isLineControl) || strings.Contains(a.Name, "@") || a.Name != strings.TrimSpace(a.Name) {
				t.Errorf("parseAddressList(%q): name %q", in, a.Name)
			}
		}
	}
}

func TestCleanControls(t *testing.T) {
	in := "a\r\nb\x00c\u0085d\u2028e\u2029f\x7fg\u009fh\ti"
	if got, want := cleanControls(in), "a  b c d e f g h i"; got != want {
		t.Errorf("cleanControls(%q) = %q, want %q", in, got, want)
	}
	if in := "Иван Петров"; cleanControls(in) != in {
		t.Errorf("cleanControls(%q) = %q, want it unchanged", in, cleanControls(in))
	}
}
