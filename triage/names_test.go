package triage

import "testing"

func TestFullName(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"label", "ФИО: Иванов Иван Иванович\nтел. 8 900 000 00 00", "Иванов Иван Иванович"},
		{"label without colon", "ФИО Ковалёв Дмитрий Сергеевич, паспорт 45 06 123456", "Ковалёв Дмитрий Сергеевич"},
		{"label with dots", "Ф.И.О. - Петрова Анна Сергеевна", "Петрова Анна Сергеевна"},
		{"label then lower-case words", "на почту пришёл ответ с ФИО, адресом и номером СНИЛС", ""},
		{"intro", "Здравствуйте! Меня зовут Ольга Смирнова, я не могу войти.", "Ольга Смирнова"},
		{"intro with one word is not a full name", "Меня зовут Ольга, я не могу войти.", ""},
		{"formal intro", "Я, Сидоров Николай Павлович, прошу разблокировать кабинет.", "Сидоров Николай Павлович"},
		{"sign-off on the same line", "Помогите.\nС уважением, Иванова Мария Петровна", "Иванова Мария Петровна"},
		{"sign-off on its own line", "Помогите.\nС уважением,\nЕгорова Анна Михайловна", "Егорова Анна Михайловна"},
		{"sign-off with initials", "С уважением, Петров С. А.", "Петров С.А."},
		{"initials first", "С уважением, С.А. Петров", "С.А. Петров"},
		{"capitals", "ЭТО ВОЗМУТИТЕЛЬНО.\nПЕТРОВ ИГОРЬ ВАСИЛЬЕВИЧ", "Петров Игорь Васильевич"},
		{"shouting is not a name", "ПОМОГИТЕ СРОЧНО\nНЕ МОГУ ВОЙТИ", ""},
		{"capitals with a surname ending", "ТРЕБУЮ ОТВЕТА.\nНОСОВ ВИКТОР", "Носов Виктор"},
		{"double surname", "ФИО: Петрова-Водкина Анна Ивановна", "Петрова-Водкина Анна Ивановна"},
		{"bare name line at the end", "Не могу войти.\n\nИванова Мария Петровна", "Иванова Мария Петровна"},
		{"bare name line before the phone", "Не могу войти.\nГригорьев Павел Олегович\n8 916 200-11-22", "Григорьев Павел Олегович"},
		{"bare line early in the text is not taken", "Иванова Мария Петровна\nодин\nдва\nтри\nчетыре", ""},
		{"surname and initials inside a sentence", "Когда будет решение? Смирнова А.В.", "Смирнова А.В."},
		{"someone else's name", "В кабинете заявления какого-то Смирнова А.П.", ""},
		{"English intro", "My name is Olga Smirnova, account number 331208.", "Olga Smirnova"},
		{"English label", "Full name: Elena Sokolova. Passport series 4510.", "Elena Sokolova"},
		{"English sign-off", "Please help.\nBest regards,\nDavid Chen", "David Chen"},
		{"English thanks", "Thanks, Laura Kim", "Laura Kim"},
		{"sign-off to the team is not a name", "Thanks,\nSupport Team", ""},
		{"greeting is not a name", "Добрый День\nне могу войти", ""},
		{"no name", "Не могу войти в кабинет, помогите.", ""},
	}
	r := DefaultRules()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Extract("", tt.text).FullName; got != tt.want {
				t.Errorf("Extract(%q).FullName = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestFullNameFromSignature(t *testing.T) {
	tests := []struct {
		sig, want string
	}{
		{"С уважением,\nИванова Мария Петровна\nтел. +7 912 345-67-89", "Иванова Мария Петровна"},
		{"--\nПетров С.А.\nведущий специалист", "Петров С.А."},
		{"Kind regards,\nAnna Petrova", "Anna Petrova"},
		{"Отправлено с iPhone", ""},
		{"", ""},
	}
	r := DefaultRules()
	for _, tt := range tests {
		if got := r.FullNameFromSignature(tt.sig); got != tt.want {
			t.Errorf("FullNameFromSignature(%q) = %q, want %q", tt.sig, got, tt.want)
		}
	}
}
