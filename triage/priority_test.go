package triage

import "testing"

// TestPriority holds the phrases the support service named: each must set
// the priority and reason given, and the negations and unrelated uses must
// not.
func TestPriority(t *testing.T) {
	tests := []struct {
		subject, text string
		want          Reason
	}{
		// Russian, with its inflections.
		{"", "Мой аккаунт взломали.", ReasonAccessLoss},
		{"", "Похоже, был взлом личного кабинета.", ReasonAccessLoss},
		{"", "Кабинет взломан, пароль не подходит.", ReasonAccessLoss},
		{"", "Мне пишет взломщик и требует денег.", ReasonAccessLoss},
		{"", "Не могу войти в личный кабинет.", ReasonAccessLoss},
		{"", "Не получается войти уже неделю.", ReasonAccessLoss},
		{"", "У меня нет доступа к личному кабинету.", ReasonAccessLoss},
		{"", "Потерял доступ к аккаунту.", ReasonAccessLoss},
		{"", "Мне заблокировали аккаунт без причины.", ReasonAccessLoss},
		{"", "Аккаунт заблокирован, что делать?", ReasonAccessLoss},
		{"", "Кто-то вошёл в мой аккаунт.", ReasonAccessLoss},
		{"", "Кто-то вошел в мой кабинет ночью.", ReasonAccessLoss},
		{"", "Мне сменили пароль без моего ведома.", ReasonAccessLoss},
		{"ВЗЛОМАЛИ", "помогите", ReasonAccessLoss},
		{"", "войти не могу уже сутки", ReasonAccessLoss},
		{"", "ни войти, ни восстановить пароль не могу", ReasonAccessLoss},
		{"", "Вчера удалось войти, а сегодня опять не могу войти.", ReasonAccessLoss},
		{"", "Так и не удалось войти, доступ не восстановлен.", ReasonAccessLoss},
		{"", "Утечка данных!", ReasonDataLeak},
		{"", "Мои данные оказались в открытом доступе.", ReasonDataLeak},
		{"", "Кабинет взломали, и мои данные утекли.", ReasonDataLeak}, // a leak wins
		// English.
		{"", "My account was hacked.", ReasonAccessLoss},
		{"", "I can't log in since Monday.", ReasonAccessLoss},
		{"", "I can’t log in since Monday.", ReasonAccessLoss},
		{"", "I cannot log in to my personal account.", ReasonAccessLoss},
		{"", "I am locked out of my account.", ReasonAccessLoss},
		{"", "I lost access to my account.", ReasonAccessLoss},
		{"Account blocked", "Please help.", ReasonAccessLoss},
		{"", "Someone logged into my account yesterday.", ReasonAccessLoss},
		{"Unauthorized access", "", ReasonAccessLoss},
		{"", "There was a data leak, my details are online.", ReasonDataLeak},
		{"", "My data was leaked.", ReasonDataLeak},
		// Negations and unrelated uses.
		{"", "Доступ к заявлению открыт, но документы не грузятся.", ReasonNone},
		{"", "Утечки не было, просто уточняю.", ReasonNone},
		{"", "Утечки данных вроде бы нет.", ReasonNone},
		{"", "Спасибо, войти получилось.", ReasonNone},
		{"", "Не могла войти, но потом войти получилось.", ReasonNone},
		{"", "Аккаунт не взломали, всё в порядке.", ReasonNone},
		{"", "Меня не взломали, просто письмо странное.", ReasonNone},
		{"", "Доступ восстановлен, спасибо!", ReasonNone},
		{"", "There was no data leak, right?", ReasonNone},
		{"", "My account wasn't hacked, I just want to change my email.", ReasonNone},
		{"", "Как сменить пароль в личном кабинете?", ReasonNone},
		{"", "Как защитить кабинет от взлома?", ReasonNone},
		{"", "Что делать, если забыл пароль?", ReasonNone},
		{"", "Если взломают почту, то взломают и кабинет?", ReasonNone},
		{"", "В МФЦ нет доступа к Wi-Fi.", ReasonNone},
		{"", "У меня взломали почту на mail.ru, кабинет в порядке.", ReasonNone},
		{"", "Пароль я не забыл и войти могу.", ReasonNone},
		{"", "Пришло письмо «ваш аккаунт будет заблокирован».", ReasonNone},
		{"", "I read in the news about a data leak somewhere.", ReasonNone},
		{"", "Каждый раз вводить пароль неудобно.", ReasonNone},
		{"", "Утечка воды в МФЦ на Ленина.", ReasonNone},
		{"", "невзломанный", ReasonNone}, // a stem does not match inside a word
	}
	r := DefaultRules()
	for _, tt := range tests {
		got := r.Extract(tt.subject, tt.text)
		wantPriority := PriorityNormal
		if tt.want != ReasonNone {
			wantPriority = PriorityHigh
		}
		if got.PriorityReason != tt.want || got.Priority != wantPriority {
			t.Errorf("Extract(%q, %q) = %s %q, want %s %q", tt.subject, tt.text, got.Priority, got.PriorityReason, wantPriority, tt.want)
		}
	}
}

// TestPriorityCategory checks that priority letters take their reason's
// category whatever their keywords say.
func TestPriorityCategory(t *testing.T) {
	r := DefaultRules()
	tests := []struct {
		text string
		want Category
	}{
		{"Предлагаю улучшить сайт, а ещё не могу войти в кабинет.", CategoryTechnicalError},
		{"Жалоба: мои данные утекли.", CategoryComplaint},
		{"Подскажите, пожалуйста, статус заявления.", CategoryStatusRequest},
	}
	for _, tt := range tests {
		if got := r.Extract("", tt.text).Category; got != tt.want {
			t.Errorf("Extract(%q).Category = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestWordsBefore(t *testing.T) {
	tests := []struct {
		text  string
		limit int
		want  []string
	}{
		{"меня не ", 5, []string{"не", "меня"}},
		{"кто-то из них ", 5, []string{"них", "из", "кто-то"}},
		{"нет, меня ", 5, []string{"меня"}},
		{"доступ был, но ", 5, nil},
		{"я знаю но ", 5, nil},
		{"раз два три четыре ", 2, []string{"четыре", "три"}},
		{"one\ntwo ", 5, []string{"two", "one"}},
		{"one\n\ntwo ", 5, []string{"two"}},
		{"it wasn't ", 5, []string{"wasn't", "it"}},
		{"слово - ", 5, nil},
	}
	r := DefaultRules()
	for _, tt := range tests {
		var got []string
		wordsBefore(tt.text, tt.limit, r.priority.negation.breaks, func(w string) bool {
			got = append(got, w)
			return true
		})
		if len(got) != len(tt.want) {
			t.Errorf("wordsBefore(%q, %d) = %q, want %q", tt.text, tt.limit, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("wordsBefore(%q, %d) = %q, want %q", tt.text, tt.limit, got, tt.want)
				break
			}
		}
	}
}
