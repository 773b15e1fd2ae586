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

// TestPriorityMeanings holds sentences for each meaning the triggers stand
// for — cannot get in, blocked, someone else acting on the account, a change
// behind the citizen's back, data exposed, someone else's data shown — and the
// uses of the same words that are not urgent. They were written as probes of
// the meanings, not copied from the labelled letters.
func TestPriorityMeanings(t *testing.T) {
	tests := []struct {
		text string
		want Reason
	}{
		{"Никак не могу попасть в личный кабинет", ReasonAccessLoss},
		{"не получается залогиниться третий день", ReasonAccessLoss},
		{"вход не выполняется, крутится и всё", ReasonAccessLoss},
		{"в личный кабинет меня не пускает", ReasonAccessLoss},
		{"муж не может войти в свой аккаунт", ReasonAccessLoss},
		{"Не удается авторизоваться через Госуслуги", ReasonAccessLoss},
		{"Зайти в кабинет невозможно, выдаёт ошибку", ReasonAccessLoss},
		{"Учетка заблокирована, что делать", ReasonAccessLoss},
		{"Мой профиль заблокировали без причины", ReasonAccessLoss},
		{"Пишет: ваша учётная запись временно заблокирована", ReasonAccessLoss},
		{"Аккаунт заморожен, почему?", ReasonAccessLoss},
		{"Кто-то поменял мне пароль", ReasonAccessLoss},
		{"Неизвестный человек зашёл в мой кабинет", ReasonAccessLoss},
		{"В истории входов вижу вход с чужого устройства", ReasonAccessLoss},
		{"пришла смс о входе с нового устройства, но я никуда не входил", ReasonAccessLoss},
		{"в профиле поменяли телефон, я не менял", ReasonAccessLoss},
		{"Почта в профиле изменена, я её не меняла", ReasonAccessLoss},
		{"От моего имени подано заявление на выплату", ReasonAccessLoss},
		{"в кабинете заявление которое я не подавала", ReasonAccessLoss},
		{"Пароль не подходит, хотя точно правильный", ReasonAccessLoss},
		{"пишет неверный логин или пароль", ReasonAccessLoss},
		{"Смс-код для входа не приходит", ReasonAccessLoss},
		{"Не приходит код для входа в кабинет", ReasonAccessLoss},
		{"Забыла пароль от кабинета, помогите", ReasonAccessLoss},
		{"Прошу восстановить доступ к учётной записи", ReasonAccessLoss},
		{"Верните мне доступ к кабинету!", ReasonAccessLoss},
		{"Мой аккаунт угнали", ReasonAccessLoss},
		{"Меня взломали!!!", ReasonAccessLoss},
		{"ВХОД НЕВОЗМОЖЕН", ReasonAccessLoss},
		{"нет возможности войти в личный кабинет", ReasonAccessLoss},
		{"I can't sign in to my profile", ReasonAccessLoss},
		{"My account has been suspended for no reason", ReasonAccessLoss},
		{"Someone changed my password", ReasonAccessLoss},
		{"I got a sign-in alert from an unknown device", ReasonAccessLoss},
		{"The site says wrong password but I'm sure it's right", ReasonAccessLoss},
		{"I'm unable to log in", ReasonAccessLoss},
		{"my profile got locked after 3 attempts", ReasonAccessLoss},
		{"I forgot my password and the reset email never comes", ReasonAccessLoss},
		{"Третий день пытаюсь войти — бесполезно", ReasonAccessLoss},
		{"Войти так и не получилось, хотя пароль сбросил", ReasonAccessLoss},
		{"у бабушки не открывается личный кабинет, пишет доступ запрещен", ReasonAccessLoss},
		{"система пишет: учетная запись не активна", ReasonAccessLoss},
		{"после смены номера меня выкинуло из кабинета и обратно не пускает", ReasonAccessLoss},
		{"мой лк кто-то взломал и поменял почту", ReasonAccessLoss},
		{"Злоумышленники получили доступ к моему кабинету", ReasonAccessLoss},
		{"Мне пришло письмо, что пароль сменён. Я пароль не менял!", ReasonAccessLoss},
		{"На мою почту пришло уведомление об успешном входе, но я не входила", ReasonAccessLoss},
		{"Кабинет недоступен уже неделю, вход не работает", ReasonAccessLoss},
		{"авторизация не проходит, ввожу код и снова на начало", ReasonAccessLoss},
		{"не могу восстановить пароль, ссылка не приходит", ReasonAccessLoss},
		{"Хакеры увели мою учетную запись", ReasonAccessLoss},
		{"Прошу разблокировать мою учётную запись", ReasonAccessLoss},
		{"Someone is using my account to apply for benefits", ReasonAccessLoss},
		{"My login doesn't work anymore", ReasonAccessLoss},
		{"My account was taken over", ReasonAccessLoss},
		{"There was a login to my profile from Brazil, it wasn't me.", ReasonAccessLoss},
		{"Сын не может войти в свой аккаунт на Госуслугах, а у вас все нормально", ReasonAccessLoss},
		{"Мои паспортные данные оказались в интернете", ReasonDataLeak},
		{"мне прислали чужую справку", ReasonDataLeak},
		{"В кабинете отображается чужой СНИЛС", ReasonDataLeak},
		{"мошенники знали номер моего заявления и мой адрес", ReasonDataLeak},
		{"Ваши сотрудники слили мои данные коллекторам", ReasonDataLeak},
		{"В ответе на обращение пришли документы другого заявителя", ReasonDataLeak},
		{"My passport details were leaked", ReasonDataLeak},
		{"I can see another person's documents in my account", ReasonDataLeak},
		{"You sent me someone else's application", ReasonDataLeak},
		{"В моём кабинете видны заявления какой-то незнакомой женщины", ReasonDataLeak},
		{"соседка знает про мою выплату, сказала что ей показали в МФЦ", ReasonDataLeak},
		{"на форуме выложили скан моего паспорта из вашего заявления", ReasonDataLeak},
		{"По ошибке вы отправили мне решение на другого человека", ReasonDataLeak},
		{"Мой СНИЛС и адрес теперь знают посторонние", ReasonDataLeak},
		{"Коллекторы знают данные из моего заявления", ReasonDataLeak},
		{"Someone else's passport scan is attached to my application", ReasonDataLeak},
		{"My personal details are visible to anyone with the link", ReasonDataLeak},
		{"Как поменять пароль?", ReasonNone},
		{"Хочу сменить пароль на более сложный", ReasonNone},
		{"Как дать доступ к кабинету жене?", ReasonNone},
		{"Доступ к документам открыт всем членам семьи?", ReasonNone},
		{"Утечки данных не было, я просто уточняю", ReasonNone},
		{"Вход через Госуслуги работает, но заявление не отправляется", ReasonNone},
		{"В кабинет захожу нормально, но не вижу заявление", ReasonNone},
		{"Я сменила номер телефона, как обновить его в профиле?", ReasonNone},
		{"Как защитить аккаунт от взлома?", ReasonNone},
		{"Можно ли войти в кабинет с телефона?", ReasonNone},
		{"Где кнопка входа через Госуслуги?", ReasonNone},
		{"Заблокировали банковскую карту, куда придёт пособие?", ReasonNone},
		{"Как удалить свои персональные данные с портала?", ReasonNone},
		{"Не могу загрузить файл в заявление", ReasonNone},
		{"Не могу найти, где скачать справку", ReasonNone},
		{"не получается отправить заявление, ошибка 500", ReasonNone},
		{"Спасибо, доступ восстановили, всё работает", ReasonNone},
		{"Если я забуду пароль, как его восстановить?", ReasonNone},
		{"How do I reset my password?", ReasonNone},
		{"I can log in fine but the upload button does nothing", ReasonNone},
		{"No leak happened, I'm just asking about storage", ReasonNone},
		{"Is it safe to give my login to my son?", ReasonNone},
		{"Пароль надо менять каждые три месяца?", ReasonNone},
		{"Не могу понять, почему заявление отклонили", ReasonNone},
		{"Не могу зайти в раздел справок, остальное работает", ReasonNone},
		{"Кто-то из родственников может подать за меня заявление?", ReasonNone},
		{"Смогу ли я войти через Госуслуги, если нет пароля?", ReasonNone},
		{"Можно войти по биометрии?", ReasonNone},
		{"Я поменяла почту в профиле, а письма идут на старую", ReasonNone},
		{"Подскажите, как восстановить пароль, если не помню логин?", ReasonNone},
		{"Уведомление о входе пришло, это был мой муж с моего разрешения", ReasonNone},
		{"Как заблокировать кабинет, если потеряю телефон?", ReasonNone},
		{"Ваш сайт безопасен? Не хочу, чтобы мои данные утекли", ReasonNone},
		{"Где посмотреть историю входов?", ReasonNone},
		{"почему при входе каждый раз просит код? неудобно", ReasonNone},
		{"Мошенники звонят и представляются вашими сотрудниками, предупредите людей", ReasonNone},
		{"Can I share access to my account with my lawyer?", ReasonNone},
		{"I changed my password yesterday, everything is fine, just a question about documents", ReasonNone},
		{"Do you store my passport data securely?", ReasonNone},
		{"Why do I have to log in again every 10 minutes?", ReasonNone},
		{"Я не хочу, чтобы кто-то заходил в мой кабинет без меня, как поставить двухфакторку?", ReasonNone},
		{"после обновления пароль принимается не с первого раза, но войти могу", ReasonNone},
		{"Личный кабинет выдаёт «Доступ заблокирован администратором»", ReasonAccessLoss},
		{"сколько ни пытаюсь, на портал не зайти", ReasonAccessLoss},
		{"После ввода пароля бесконечная загрузка и снова окно входа", ReasonAccessLoss},
		{"войти не выходит ни через госуслуги ни по паролю", ReasonAccessLoss},
		{"мою учётку кто-то захватил", ReasonAccessLoss},
		{"У меня украли доступ к кабинету", ReasonAccessLoss},
		{"Вместо моего телефона в профиле теперь стоит незнакомый номер", ReasonAccessLoss},
		{"от моего имени кто-то отправил заявку", ReasonAccessLoss},
		{"неизвестные лица изменили мои реквизиты в кабинете", ReasonAccessLoss},
		{"меня выкинуло из аккаунта и пароль больше не принимается", ReasonAccessLoss},
		{"лк не пускает пишет превышено число попыток", ReasonAccessLoss},
		{"Access denied when I try to log in", ReasonAccessLoss},
		{"The system won't let me in", ReasonAccessLoss},
		{"I never receive the login code, so I'm stuck outside my account", ReasonAccessLoss},
		{"Somebody filed an application in my name through my account", ReasonAccessLoss},
		{"Мои персональные данные продаются на сайте объявлений", ReasonDataLeak},
		{"Мне на почту пришла чужая выписка со счетом и фамилией", ReasonDataLeak},
		{"Сосед рассказал, что видел в вашем кабинете мою справку", ReasonDataLeak},
		{"ваша рассылка ушла с открытыми адресами всех получателей", ReasonDataLeak},
		{"My SNILS number was published on your website", ReasonDataLeak},
		{"I received another citizen's decision letter by mistake", ReasonDataLeak},
		{"Как войти, если я забыла, какую почту указывала?", ReasonNone},
		{"Доступ к заявлению для мужа открыла, а он не видит", ReasonNone},
		{"я в кабинет захожу, а подпись не работает", ReasonNone},
		{"можно ли передать доступ к кабинету дочери", ReasonNone},
		{"Пароль сменила, всё работает, спасибо", ReasonNone},
		{"Не могу войти в положение ваших сотрудников — так долго рассматривать!", ReasonNone},
		{"Хотела бы заблокировать вход по паролю и оставить только Госуслуги", ReasonNone},
		{"Подскажите, где хранятся мои паспортные данные и кто их видит?", ReasonNone},
		{"I can log in, but the page is blank", ReasonNone},
		{"Is my account blocked if I don't log in for a year?", ReasonNone},
		{"Please change the email on my account to new@mail.ru", ReasonNone},
		{"Сын сменил номер телефона, как ему обновить профиль?", ReasonNone},
		{"Как посмотреть, кто входил в мой кабинет?", ReasonNone},
		{"Добрый день, у меня не получается зайти на портал с телефона и с компьютера тоже", ReasonAccessLoss},
		{"ЛК выдает: ваш аккаунт временно ограничен. Что я нарушил?", ReasonAccessLoss},
		{"Прошу помочь, в кабинет больше не захожу — пишет аккаунт не найден", ReasonAccessLoss},
		{"кто-то менял мои реквизиты, я не делала этого", ReasonAccessLoss},
		{"пришло письмо что мой e-mail изменён, я ничего не меняла, теперь не могу восстановить пароль", ReasonAccessLoss},
		{"мама не может зайти в приложение, вводит код — пишет ошибка", ReasonAccessLoss},
		{"Помогите разблокировать профиль, срочно нужно подать документы", ReasonAccessLoss},
		{"I keep getting 'account locked' when I try to sign in", ReasonAccessLoss},
		{"Someone accessed my account and changed my bank details", ReasonAccessLoss},
		{"My profile shows an email address that isn't mine", ReasonAccessLoss},
		{"I can't remember my password and the recovery email is wrong", ReasonAccessLoss},
		{"в вашем чате бот выдал мне чужой номер заявления и адрес", ReasonDataLeak},
		{"Мои данные из заявления появились в спам-рассылке", ReasonDataLeak},
		{"В уведомлении указаны паспортные данные другой заявительницы", ReasonDataLeak},
		{"I found my passport scan on a public file-sharing site", ReasonDataLeak},
		{"Как войти в кабинет с нового телефона?", ReasonNone},
		{"Сменила пароль, как вы и советовали, спасибо", ReasonNone},
		{"Я хочу, чтобы доступ к моему кабинету был у дочери", ReasonNone},
		{"В прошлый раз меня блокировали, но сейчас всё нормально, вопрос про справку", ReasonNone},
		{"Не могу войти в раздел «Платежи» — только этот раздел", ReasonNone},
		{"Как сделать, чтобы аккаунт не заблокировали при смене номера?", ReasonNone},
		{"I'm able to sign in, but my documents are missing", ReasonNone},
		{"How do I stop strangers from seeing my data?", ReasonNone},
		{"Where can I change my phone number? I can still log in.", ReasonNone},
		{"Спасибо что разблокировали, теперь всё ок", ReasonNone},
		{"Подскажите, кто имеет доступ к моим данным в вашей системе?", ReasonNone},
		{"Ваш сотрудник сказал, что мои данные в безопасности, это так?", ReasonNone},
	}
	r := DefaultRules()
	for _, tt := range tests {
		if got := r.Extract("", tt.text).PriorityReason; got != tt.want {
			t.Errorf("Extract(%q).PriorityReason = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestNegationSkips checks that articles, quantifiers and auxiliaries between
// a negation and its phrase do not carry the phrase out of the negation's
// reach, and that they do not stretch it without bound.
func TestNegationSkips(t *testing.T) {
	tests := []struct {
		text string
		want Reason
	}{
		{"There hasn't been any breach on my side.", ReasonNone},
		{"I don't suspect any leak.", ReasonNone},
		{"Не было никакой утечки.", ReasonNone},
		{"No really really any any any any data leak here.", ReasonDataLeak}, // more skip words than maxSkipped
	}
	r := DefaultRules().WithModel(nil) // the rules' reach, not the decision: the model overrules the last one
	for _, tt := range tests {
		if got := r.Extract("", tt.text).PriorityReason; got != tt.want {
			t.Errorf("Extract(%q).PriorityReason = %q, want %q", tt.text, got, tt.want)
		}
	}
}
