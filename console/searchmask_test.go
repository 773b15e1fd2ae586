package console

import "testing"

func TestMaskSearchTerms(t *testing.T) {
	tests := []struct {
		name, q, want string
	}{
		{"empty", "", ""},
		{"words", "не могу войти", "не могу войти"},
		{"address", "ivan.petrov@example.ru", "i…@example.ru"},
		{"address among words", "письмо от ivan@mail.ru вчера", "письмо от i…@mail.ru вчера"},
		{"cyrillic address", "иван@почта.рф", "и…@почта.рф"},
		{"local part alone", "ivanov@", "i…@"},
		{"domain alone", "@mail.ru", "@mail.ru"},
		{"address with digits", "petrov1985@mail.ru", "p…@mail.ru"},
		{"SNILS in groups", "112-233-445 95", "•••-•••-••• 95"},
		{"SNILS whole", "11223344595", "•••••••••95"},
		{"INN", "7707083893", "••••••••93"},
		{"phone", "+7 (912) 345-67-89", "+• (•••) •••-••-89"},
		{"phone whole", "79123456789", "•••••••••89"},
		{"phone with spaces", "+7 912 345-67-89", "+• ••• •••-••-89"},
		{"passport series and number", "4510 123456", "•••• ••••56"},
		{"account number", "лс 5520173", "лс •••••73"},
		{"application number", "2026-0412-77", "••••-••••-77"},
		{"five digits", "12345", "•••45"},
		{"four digits", "пароль 2026", "пароль 2026"},
		{"digits inside a word", "ab12345cd", "ab•••45cd"},
		{"ticket number", "TKT-000123", "TKT-000123"},
		{"ticket number in lower case", "tkt-000123 12345678", "tkt-000123 ••••••78"},
		{"name is kept", "Иванов Иван 89123456789", "Иванов Иван •••••••••89"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskSearchTerms(tt.q); got != tt.want {
				t.Errorf("maskSearchTerms(%q) = %q, want %q", tt.q, got, tt.want)
			}
		})
	}
}
