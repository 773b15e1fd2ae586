package mailparse

import "testing"

func TestSplitQuote(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want split
	}{
		{
			"Outlook Original Message",
			"Yes, see attached.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n\nSend the scan.",
			split{desc: "Yes, see attached.", quoted: "-----Original Message-----\nFrom: Support\nSent: Monday\n\nSend the scan."},
		},
		{
			"Outlook English header block",
			"Done.\n\nFrom: Support <s@ticketd.example>\nSent: Monday, January 15, 2024 10:00 AM\nTo: Ivan\nSubject: RE: Leak\n\nOld text",
			split{desc: "Done.", quoted: "From: Support <s@ticketd.example>\nSent: Monday, January 15, 2024 10:00 AM\nTo: Ivan\nSubject: RE: Leak\n\nOld text"},
		},
		{
			"Outlook bold header block",
			"Done.\n\n*From:* Support\n*Sent:* Monday\n*To:* Ivan\n\nOld",
			split{desc: "Done.", quoted: "*From:* Support\n*Sent:* Monday\n*To:* Ivan\n\nOld"},
		},
		{
			"Thunderbird forward in Russian",
			"Смотрите ниже.\n\n-------- Пересылаемое сообщение --------\nТема: Авария\nОт: Сосед\n\nТечёт.",
			split{desc: "Смотрите ниже.", quoted: "-------- Пересылаемое сообщение --------\nТема: Авария\nОт: Сосед\n\nТечёт."},
		},
		{
			"Gmail forward",
			"FYI\n\n---------- Forwarded message ---------\nFrom: A\n\nText",
			split{desc: "FYI", quoted: "---------- Forwarded message ---------\nFrom: A\n\nText"},
		},
		{
			"Apple forward",
			"Look\n\nBegin forwarded message:\n\nFrom: A\n\nText",
			split{desc: "Look", quoted: "Begin forwarded message:\n\nFrom: A\n\nText"},
		},
		{
			"On wrote without quote marks",
			"Thanks\n\nOn Mon, 15 Jan 2024 at 10:00, Support wrote:\nOld text",
			split{desc: "Thanks", quoted: "On Mon, 15 Jan 2024 at 10:00, Support wrote:\nOld text"},
		},
		{
			"Mail.ru attribution",
			"Спасибо\n\nПонедельник, 1 января 2024, 10:00 +03:00 от Иван <ivan@mail.ru>:\n> Вопрос",
			split{desc: "Спасибо", quoted: "Понедельник, 1 января 2024, 10:00 +03:00 от Иван <ivan@mail.ru>:\n> Вопрос"},
		},
		{
			"Gmail in Russian, wrapped",
			"Да\n\nпн, 1 янв. 2024 г. в 10:00, Служба поддержки <\nsupport@ticketd.example>:\n\n> Вопрос",
			split{desc: "Да", quoted: "пн, 1 янв. 2024 г. в 10:00, Служба поддержки <\nsupport@ticketd.example>:\n> Вопрос"},
		},
		{
			"написал(а)",
			"Ок\n\n01.01.2024 10:00, Иван написал(а):\n> Вопрос",
			split{desc: "Ок", quoted: "01.01.2024 10:00, Иван написал(а):\n> Вопрос"},
		},
		{
			"bottom posting",
			"> Вопрос?\n\nОтвет.",
			split{desc: "Ответ.", quoted: "> Вопрос?"},
		},
		{
			"formal letter is not a header block",
			"Кому: Главе администрации\nОт: Иванова И.И.\n\nПрошу отремонтировать дорогу.",
			split{desc: "Кому: Главе администрации\nОт: Иванова И.И.\n\nПрошу отремонтировать дорогу."},
		},
		{
			"closing phrase inside a sentence",
			"С уважением отношусь к вашей работе, но дорогу не чинят.",
			split{desc: "С уважением отношусь к вашей работе, но дорогу не чинят."},
		},
		{
			"closing with a name",
			"Текст.\n\nС уважением Иван Петров\n+7 900 000-00-00",
			split{desc: "Текст.", sig: "С уважением Иван Петров\n+7 900 000-00-00"},
		},
		{
			"RFC 3676 signature separator",
			"Text\n-- \nIvan",
			split{desc: "Text", sig: "-- \nIvan"},
		},
		{
			"Best regards",
			"Text\n\nBest regards,\nIvan",
			split{desc: "Text", sig: "Best regards,\nIvan"},
		},
		{
			"mobile line then quote",
			"Ok\n\nSent from my iPhone\n\n> On 1 Jan 2024, at 10:00, A <a@b.example> wrote:\n> \n> Q",
			split{desc: "Ok", quoted: "> On 1 Jan 2024, at 10:00, A <a@b.example> wrote:\n> \n> Q", sig: "Sent from my iPhone"},
		},
		{
			"closing as the first line",
			"С уважением, прошу починить крышу",
			split{desc: "С уважением, прошу починить крышу"},
		},
		{
			"only a mobile line",
			"Sent from my iPhone",
			split{sig: "Sent from my iPhone"},
		},
		{"empty", "", split{}},
	}
	for _, tt := range tests {
		if got := splitQuote(tt.in); got != tt.want {
			t.Errorf("splitQuote(%s) = %+q, want %+q", tt.name, got, tt.want)
		}
	}
}

func TestUnflow(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		delSp bool
		want  string
	}{
		{"RFC 3676 soft break", "one \ntwo\nthree", false, "one two\nthree"},
		{"DelSp", "one \ntwo", true, "onetwo"},
		{"space-stuffed", " >not quoted\n  two", false, ">not quoted\n two"},
		{"quote depth change ends paragraph", "> a \n>> b\n", false, "> a \n>> b\n"},
		{"quoted paragraph", "> a \n> b", false, "> a b"},
		{"signature separator is not flowed", "text\n-- \nsig", false, "text\n-- \nsig"},
	}
	for _, tt := range tests {
		if got := unflow(tt.in, tt.delSp); got != tt.want {
			t.Errorf("unflow(%s: %q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestDetectAuto(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   AutoKind
	}{
		{"person", "From: a@example.ru\r\nSubject: Жалоба\r\n", AutoNone},
		{"X-Auto-Response-Suppress alone", "From: a@example.ru\r\nX-Auto-Response-Suppress: All\r\n", AutoNone},
		{"RFC 3834 auto-replied", "From: a@example.ru\r\nAuto-Submitted: auto-replied\r\n", AutoReply},
		{"RFC 3834 auto-generated", "From: a@example.ru\r\nAuto-Submitted: auto-generated\r\n", AutoGenerated},
		{"RFC 3834 no", "From: a@example.ru\r\nAuto-Submitted: no\r\n", AutoNone},
		{"RFC 3834 with comment", "From: a@example.ru\r\nAuto-Submitted: Auto-Replied (vacation)\r\n", AutoReply},
		{"X-Autoreply", "From: a@example.ru\r\nX-Autoreply: yes\r\n", AutoReply},
		{"X-Autorespond", "From: a@example.ru\r\nX-Autorespond: yes\r\n", AutoReply},
		{"Precedence auto_reply", "From: a@example.ru\r\nPrecedence: auto_reply\r\n", AutoReply},
		{"Precedence bulk", "From: a@example.ru\r\nPrecedence: bulk\r\n", AutoList},
		{"Precedence junk", "From: a@example.ru\r\nPrecedence: junk\r\n", AutoList},
		{"List-Id", "From: a@example.ru\r\nList-Id: <news.example.ru>\r\n", AutoList},
		{"MAILER-DAEMON", "From: MAILER-DAEMON@mx.example.ru\r\n", AutoBounce},
		{"MAILER-DAEMON without address", "From: MAILER-DAEMON <>\r\n", AutoBounce},
		{"postmaster", "From: postmaster@example.ru\r\n", AutoBounce},
		{"null Return-Path", "Return-Path: <>\r\nFrom: a@example.ru\r\n", AutoBounce},
		{"DSN", "From: a@example.ru\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n", AutoBounce},
		{"read receipt", "From: a@example.ru\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n", AutoReply},
		{"Автоответ", "From: a@example.ru\r\nSubject: =?utf-8?B?0JDQstGC0L7QvtGC0LLQtdGCOiDQvtGC0L/Rg9GB0Lo=?=\r\n", AutoReply},
		{"Автоматический ответ", "From: a@example.ru\r\nSubject: =?utf-8?B?0JDQstGC0L7QvNCw0YLQuNGH0LXRgdC60LjQuSDQvtGC0LLQtdGC?=\r\n", AutoReply},
		{"Out of Office", "From: a@example.ru\r\nSubject: Out of Office: request\r\n", AutoReply},
		{"Automatic reply", "From: a@example.ru\r\nSubject: Automatic reply: request\r\n", AutoReply},
		{"Lotus Auto:", "From: a@example.ru\r\nSubject: Auto: request\r\n", AutoReply},
		{"Я в отпуске", "From: a@example.ru\r\nSubject: =?utf-8?B?0K8g0LIg0L7RgtC/0YPRgdC60LU=?=\r\n", AutoReply},
		{"Exim bounce", "From: a@example.ru\r\nX-Failed-Recipients: b@example.ru\r\nAuto-Submitted: auto-replied\r\n", AutoBounce},
	}
	for _, tt := range tests {
		l, err := Parse([]byte(tt.header+"\r\n--b--\r\n"), nil)
		if l == nil {
			t.Fatalf("Parse(%s) = nil, %v", tt.name, err)
		}
		if l.Auto != tt.want {
			t.Errorf("Parse(%s).Auto = %q, want %q", tt.name, l.Auto, tt.want)
		}
		if l.AutoSubmitted() != (tt.want != AutoNone) {
			t.Errorf("Parse(%s).AutoSubmitted() = %v, want %v", tt.name, l.AutoSubmitted(), tt.want != AutoNone)
		}
	}
}
