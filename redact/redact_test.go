package redact

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ticketd/ticketd/triage"
)

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"nothing personal", "Не могу войти в личный кабинет", "Не могу войти в личный кабинет"},
		{"empty", "", ""},
		{"printed SNILS without label", "мой номер 112-233-445 95.", "мой номер •••-•••-••• ••."},
		{"SNILS after label, bare", "СНИЛС 11223344595", "СНИЛС •••••••••••"},
		{"SNILS with a bad checksum is not one", "номер 112-233-445 96", "номер 112-233-445 96"},
		{"INN after label", "ИНН 500100732259, паспорт 45 06 123456", "ИНН ••••••••••••, паспорт •• •• ••••••"},
		{"passport series and number", "серия 4506 номер 123456", "серия •••• номер ••••••"},
		{"phones as people write them", "+7 (912) 345-67-89, 8 903 555 12 34, 89261234567, +79051234567",
			"+• (•••) •••-••-••, • ••• ••• •• ••, •••••••••••, +•••••••••••"},
		{"address in a sentence", "пишите на ivan.petrov@example.ru.", "пишите на i…@example.ru."},
		{"address in an SMTP reply", "550 5.1.1 <olga.smirnova@example.ru>: Recipient address rejected",
			"550 5.1.1 <o…@example.ru>: Recipient address rejected"},
		{"Cyrillic address", "RCPT TO:<иван@почта.рф> refused", "RCPT TO:<и…@почта.рф> refused"},
		{"a phone as an address's local part", "89261234567@mail.ru", "8…@mail.ru"},
		{"in a file name", "СНИЛС 112-233-445 95.pdf", "СНИЛС •••-•••-••• ••.pdf"},
		{"numbers that are not personal data stay", "fetch 1:42: letter of 31457280 bytes, UID 1234567",
			"fetch 1:42: letter of 31457280 bytes, UID 1234567"},
		{"an account number stays", "Номер личного кабинета: 4417802", "Номер личного кабинета: 4417802"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAddress(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ivan.petrov@example.ru", "i…@example.ru"},
		{"i@example.ru", "i…@example.ru"},
		{"Иван@почта.рф", "И…@почта.рф"},
		{"\"a@b\"@example.ru", "\"…@example.ru"}, // the last @ starts the domain
		{"@example.ru", "…@example.ru"},
		{"not-an-address", "n…"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Address(tt.in); got != tt.want {
			t.Errorf("Address(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzText checks that Text accepts anything, leaves text without personal
// data as it is, keeps valid UTF-8 valid, and leaves none of the digits of
// a number it found.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "СНИЛС 112-233-445 95", "ИНН 500100732259", "паспорт 45 06 123456",
		"+7 (912) 345-67-89", "ivan@example.ru", "\xff8 903 555 12 34\u00ad", "снилс 11223344595ivan@x.ru"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Text(s)
		found := triage.FindPersonalData(s)
		if len(found) == 0 && got != s {
			t.Errorf("Text(%q) = %q, want it unchanged: nothing personal in it", s, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Errorf("Text(%q) = %q, not valid UTF-8", s, got)
		}
		for _, fd := range found {
			if fd.Kind != triage.PersonalEmail && strings.Contains(got, s[fd.Start:fd.End]) {
				t.Errorf("Text(%q) = %q, still holds %s %q", s, got, fd.Kind, s[fd.Start:fd.End])
			}
		}
	})
}

func BenchmarkText(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"subject without digits", "Не могу войти в личный кабинет: пишет неверный пароль"},
		{"subject with a date and an account", "Заявление от 12.11.2026, ЛК 4417802"},
		{"subject with a SNILS and a phone", "СНИЛС 112-233-445 95 не принимают, звоните +7 (912) 345-67-89"},
		{"SMTP error", "RCPT TO:<ivan.petrov@example.ru>: 550 5.1.1 <ivan.petrov@example.ru>: Recipient address rejected"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				Text(bc.s)
			}
		})
	}
}
