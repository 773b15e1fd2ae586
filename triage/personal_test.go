package triage

import (
	"slices"
	"testing"

	"github.com/ticketd/ticketd/triage/internal/pattern"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"+7 (912) 345-67-89", "+79123456789", true},
		{"8 903 555 12 34", "+79035551234", true},
		{"89261234567", "+79261234567", true},
		{"+79051234567", "+79051234567", true},
		{"8(495)123-45-67", "+74951234567", true},
		{"8-800-555-35-35", "+78005553535", true},
		{"+7 343 222-11-00", "+73432221100", true},
		{"79261234567", "", false},      // 7 without + is not a phone prefix people write
		{"+7 612 345 67 89", "", false}, // Kazakhstan, not Russia
		{"81234567890", "", false},      // no Russian code starts with 1
		{"8 903 555 12 3", "", false},
		{"+380 44 123 45 67", "", false},
	}
	for _, tt := range tests {
		got, ok := normalizePhone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("normalizePhone(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFindPersonalData(t *testing.T) {
	snils := snilsWithChecksum("526018159") // 52601815961
	printed := snils[:3] + "-" + snils[3:6] + "-" + snils[6:9] + " " + snils[9:]
	inn12 := innWithChecksum("2527601895")
	inn10 := innWithChecksum("559797114")
	tests := []struct {
		name  string
		text  string
		want  []PersonalData
		phone string
	}{
		{"nothing", "не могу войти в кабинет", nil, ""},
		{"printed SNILS without label", "мой номер " + printed + ".", []PersonalData{PersonalSNILS}, ""},
		{"SNILS with spaces after label", "снилс " + snils[:3] + " " + snils[3:6] + " " + snils[6:9] + " " + snils[9:], []PersonalData{PersonalSNILS}, ""},
		{"bare SNILS after label", "снилс: " + snils, []PersonalData{PersonalSNILS}, ""},
		{"bare SNILS without label is not reported", "код " + snils, nil, ""},
		{"SNILS with bad checksum", "снилс " + flipLast(snils), nil, ""},
		{"printed SNILS with bad checksum", "номер " + printed[:13] + string('0'+(printed[13]-'0'+1)%10), nil, ""},
		{"person INN", "инн " + inn12, []PersonalData{PersonalINN}, ""},
		{"organisation INN after words", "инн организации " + inn10, []PersonalData{PersonalINN}, ""},
		{"INN with bad check digit", "инн " + flipLast(inn12), nil, ""},
		{"INN without label is not reported", "номер " + inn12, nil, ""},
		{"passport, spaced", "паспорт 45 06 123456", []PersonalData{PersonalPassport}, ""},
		{"passport, series and number words", "паспорт серия 4509 номер 654321", []PersonalData{PersonalPassport}, ""},
		{"passport, no label but series", "серия 45 06 номер 123456", []PersonalData{PersonalPassport}, ""},
		{"passport, ten digits", "паспорт: 4506123456", []PersonalData{PersonalPassport}, ""},
		{"passport, English", "passport series 4510 number 123987", []PersonalData{PersonalPassport}, ""},
		{"passport word far from digits", "скан паспорта к заявлению не загружается, пишет ошибку формата. файл 2 мб, номер 123456", nil, ""},
		{"passport region 00", "паспорт 0012 123456", nil, ""},
		{"phone", "тел. +7 (912) 345-67-89", []PersonalData{PersonalPhone}, "+79123456789"},
		{"first phone wins", "8 903 555 12 34 или 8-926-111-22-33", []PersonalData{PersonalPhone}, "+79035551234"},
		{"phone inside a longer number", "номер 189261234567", nil, ""},
		{"email", "пишите на ivanov.k@mail.ru", []PersonalData{PersonalEmail}, ""},
		{"Cyrillic address", "почта: иван@почта.рф", []PersonalData{PersonalEmail}, ""},
		{"all kinds, sorted", "ivan@example.org, снилс " + printed + ", инн " + inn12 + ", паспорт 4506 123456, 89261234567",
			[]PersonalData{PersonalEmail, PersonalINN, PersonalPassport, PersonalPhone, PersonalSNILS}, "+79261234567"},
		{"SNILS is not also a phone", "снилс 893-456-789 " + snilsWithChecksum("893456789")[9:], []PersonalData{PersonalSNILS}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := findPersonalData(pattern.Scan(normalize(tt.text)))
			if !slices.Equal(got.kinds, tt.want) || got.phone != tt.phone {
				t.Errorf("findPersonalData(%q) = %v, %q, want %v, %q", tt.text, got.kinds, got.phone, tt.want, tt.phone)
			}
		})
	}
}

// TestFindPersonalDataSpans: the spans FindPersonalData returns stand in the
// text as written, not as normalised: capitals, typographic dashes,
// non-breaking spaces and dropped soft hyphens move the offsets.
func TestFindPersonalDataSpans(t *testing.T) {
	snils := snilsWithChecksum("112233445") // 11223344595
	inn12 := innWithChecksum("5001007322")
	tests := []struct {
		name string
		text string
		want []string // kind=what it covers, in order
	}{
		{"nothing", "Не могу войти", nil},
		{"printed SNILS", "СНИЛС 112-233-445 95, спасибо", []string{"snils=112-233-445 95"}},
		{"SNILS with en dashes after the capital label", "СНИЛС: 112–233–445 95", []string{"snils=112–233–445 95"}},
		{"bare SNILS after label", "Мой СНИЛС " + snils + ".", []string{"snils=" + snils}},
		{"INN, label left out", "ИНН " + inn12, []string{"inn=" + inn12}},
		{"passport, series to number", "Паспорт 45 06 123456 выдан", []string{"passport=45 06 123456"}},
		{"passport series and number words", "серия 4509 номер 654321", []string{"passport=4509 номер 654321"}},
		{"phones", "Тел.: +7 (912) 345-67-89 или 8\u00a0903\u00a0555\u00a012\u00a034",
			[]string{"phone=+7 (912) 345-67-89", "phone=8\u00a0903\u00a0555\u00a012\u00a034"}},
		{"address as written", "Пишите на Ivan.Petrov@Example.RU!", []string{"email=Ivan.Petrov@Example.RU"}},
		{"soft hyphen inside a phone", "8 903 555\u00ad12 34", []string{"phone=8 903 555\u00ad12 34"}},
		{"capital that lowers shorter", "İİİ ivan@example.ru", []string{"email=ivan@example.ru"}},
		{"every kind, in order", "ivan@example.org, снилс 112-233-445 95, 89261234567",
			[]string{"email=ivan@example.org", "snils=112-233-445 95", "phone=89261234567"}},
		{"invalid UTF-8 before", "\xff\xfe 89261234567", []string{"phone=89261234567"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range FindPersonalData(tt.text) {
				got = append(got, string(f.Kind)+"="+tt.text[f.Start:f.End])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("FindPersonalData(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
