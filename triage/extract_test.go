package triage

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/triage/internal/pattern"
)

// TestNumbers covers the account and application forms citizens use, and
// the numbers that must not be taken for an account.
func TestNumbers(t *testing.T) {
	snils := snilsWithChecksum("186091390")
	tests := []struct {
		text, account, application string
	}{
		{"Номер личного кабинета: 1234567", "1234567", ""},
		{"номер личного кабинета 1234567.", "1234567", ""},
		{"личный кабинет № 12-345", "12-345", ""},
		{"Мой личный кабинет №12-345 заблокирован", "12-345", ""},
		{"ЛК 123456", "123456", ""},
		{"лк№123456", "123456", ""},
		{"Номер ЛК — 660 123.", "660123", ""},
		{"лицевой счёт 4012005678", "4012005678", ""},
		{"Лицевой счет: 123 456 789", "123456789", ""},
		{"account number 123456", "123456", ""},
		{"My account # is 77-3100.", "77-3100", ""},
		{"account #558812", "558812", ""},
		{"заявление № 2024-000123", "", "2024-000123"},
		{"Статус заявления №2024-000123?", "", "2024-000123"},
		{"заявка №55120398", "", "55120398"},
		{"номер заявления 2024-000555", "", "2024-000555"},
		{"application no. 2024-001877", "", "2024-001877"},
		{"application #2024-005612", "", "2024-005612"},
		{"ЛК 4408812, заявление № 2024-000123", "4408812", "2024-000123"},
		// Not account numbers.
		{"в личном кабинете 3 заявления", "", ""},
		{"в личном кабинете 25.03.2024 появилась ошибка", "", ""},
		{"ЛК привязан к номеру +7 900 123-45-67", "", ""},
		{"ЛК 89001234567", "", ""}, // a phone
		{"ЛК: " + snils[:3] + "-" + snils[3:6] + "-" + snils[6:9] + " " + snils[9:], "", ""}, // a SNILS
		{"номер личного кабинета не помню, телефон 8 900 123 45 67", "", ""},
		{"заявление от 12.03.2024", "", ""},
		{"заявку 2024 года", "", ""},
	}
	r := DefaultRules()
	for _, tt := range tests {
		got := r.Extract("", tt.text)
		if got.AccountNumber != tt.account || got.ApplicationNumber != tt.application {
			t.Errorf("Extract(%q) = account %q, application %q, want %q, %q", tt.text, got.AccountNumber, got.ApplicationNumber, tt.account, tt.application)
		}
	}
}

func TestCategory(t *testing.T) {
	tests := []struct {
		subject, text string
		want          Category
	}{
		{"Статус заявления", "Добрый день, подскажите статус заявления № 2024-000123.", CategoryStatusRequest},
		{"", "What is the status of my application?", CategoryStatusRequest},
		{"ошибка", "При отправке выходит error 500.", CategoryTechnicalError},
		{"", "Кнопка не работает, страница не загружается.", CategoryTechnicalError},
		{"Жалоба", "Я недовольна работой оператора. Безобразие!", CategoryComplaint},
		{"", "Предлагаю добавить тёмную тему, было бы удобно.", CategoryRecommendation},
		{"Suggestion", "It would be great to have an English version.", CategoryRecommendation},
		{"", "Подскажите, как получить справку?", CategoryServiceQuestion},
		{"", "How do I change my address?", CategoryServiceQuestion},
		{"Благодарность", "Спасибо за помощь!", CategoryOther},
		{"", "", CategoryOther},
		// The subject counts more than the text.
		{"Жалоба на сроки", "Подскажите, когда рассмотрят?", CategoryComplaint},
	}
	r := DefaultRules()
	for _, tt := range tests {
		if got := r.Extract(tt.subject, tt.text).Category; got != tt.want {
			t.Errorf("Extract(%q, %q).Category = %q, want %q", tt.subject, tt.text, got, tt.want)
		}
	}
}

func TestLanguage(t *testing.T) {
	tests := []struct {
		subject, text, want string
	}{
		{"Не могу войти", "Помогите", "ru"},
		{"Cannot log in", "Please help", "en"},
		{"Re: ticket #12", "Пишу по поводу заявки, ошибка 500 в Chrome", "ru"},
		{"", "ok", "en"},
		{"", "12345", "ru"},
		{"ne mogu voiti", "Zdravstvuite, pomogite pozhaluista", "ru"}, // transliterated
	}
	for _, tt := range tests {
		if got := DefaultRules().Extract(tt.subject, tt.text).Language; got != tt.want {
			t.Errorf("Extract(%q, %q).Language = %q, want %q", tt.subject, tt.text, got, tt.want)
		}
	}
}

func TestPatternBoundaries(t *testing.T) {
	tests := []struct {
		pattern, text string
		want          []string
	}{
		{`взлом\p{L}*`, "взлом, взломали, невзломанный, ВЗЛОМЩИК", []string{"взлом", "взломали", "взломщик"}},
		{`Взлом\p{L}*`, "ВЗЛОМ", []string{"взлом"}}, // a capital makes the rule fold case
		{`вош[её]л`, "Вошёл, вошел", []string{"вошел", "вошел"}},
		{`лк`, "лк млк лк1 лк.", []string{"лк", "лк"}},
		{`\?`, "что? да?!", []string{"?", "?"}},
		{`не\s+могу`, "не могу, немогу, не  могу", []string{"не могу", "не  могу"}},
		{`(?&my)\s+данные`, "мои данные, можно данные", []string{"мои данные"}},
	}
	macros := map[string]string{"my": `мо(?:й|и)`}
	for _, tt := range tests {
		p, err := pattern.Compile(tt.pattern, macros)
		if err != nil {
			t.Fatalf("pattern.Compile(%q) = %v", tt.pattern, err)
		}
		var got []string
		text := normalize(tt.text)
		p.Each(pattern.Scan(text), func(m []int) bool {
			got = append(got, text[m[0]:m[1]])
			return true
		})
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("pattern %q in %q = %q, want %q", tt.pattern, tt.text, got, tt.want)
		}
	}
}

// TestExtractJSON pins the JSON form other parts of ticketd store.
func TestExtractJSON(t *testing.T) {
	got, err := json.Marshal(DefaultRules().Extract("Вопрос", "Как получить справку?"))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"full_name":"","account_number":"","application_number":"","phone":"","category":"service_question","priority":"normal","priority_reason":"","personal_data":[],"language":"ru"}`
	if string(got) != want {
		t.Errorf("json.Marshal(Extract) = %s, want %s", got, want)
	}
}

// BenchmarkExtract reads the first labelled letters with the rules and the
// model, and with the rules alone, to tell what the model costs.
func BenchmarkExtract(b *testing.B) {
	letters := loadLetters(b)
	size := 0
	for _, l := range letters {
		size += len(l.subject) + len(l.text)
	}
	for _, bc := range []struct {
		name  string
		rules *Rules
	}{{"rules+model", DefaultRules()}, {"rules", DefaultRules().WithModel(nil)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(size / len(letters)))
			for i := 0; b.Loop(); i++ {
				l := letters[i%len(letters)]
				bc.rules.Extract(l.subject, l.text)
			}
		})
	}
}
