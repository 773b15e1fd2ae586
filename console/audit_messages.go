package console

// auditMessages is the catalog's part for who read what: the page
// /audit/reads, the ticket page's list of its reads, and the names of the
// reads' events, language → key → text, joined with coreMessages.
func auditMessages() map[string]map[string]string {
	return map[string]map[string]string{
		"ru": {
			"nav.reads":         "Кто что читал",
			"reads.title":       "Кто что читал",
			"reads.hint":        "Каждое чтение персональных данных записано в журнал событий: открытое обращение, скачанное письмо или файл, поиск (адреса и номера в нём замаскированы). Имя вида cli:ИМЯ — чтение из командной строки под введённым там именем.",
			"reads.who_read":    "Кто читал обращение",
			"reads.user":        "Пользователь",
			"reads.ticket":      "Обращение",
			"reads.apply":       "Показать",
			"reads.reset":       "Сбросить",
			"reads.at":          "Время",
			"reads.actor":       "Кто",
			"reads.what":        "Что",
			"reads.detail":      "Подробности",
			"reads.none":        "Чтений не записано.",
			"reads.older":       "Более ранние",
			"reads.newest":      "К последним",
			"reads.all":         "Все чтения этого обращения",
			"reads.of_user":     "Все чтения этого пользователя",
			"reads.of_ticket":   "Все чтения этого обращения",
			"event.read.ticket": "просмотр обращения",
			"event.read.letter": "скачано письмо",
			"event.read.file":   "скачан файл",
			"event.read.search": "поиск",
			"event.read.export": "выгрузка",
		},
		"en": {
			"nav.reads":         "Who read what",
			"reads.title":       "Who read what",
			"reads.hint":        "Every read of personal data is in the event log: a ticket opened, a letter or file downloaded, a search (with the addresses and numbers in it masked). A name like cli:NAME read on the command line, under the name typed there.",
			"reads.who_read":    "Who read this",
			"reads.user":        "User",
			"reads.ticket":      "Ticket",
			"reads.apply":       "Show",
			"reads.reset":       "Reset",
			"reads.at":          "Time",
			"reads.actor":       "Who",
			"reads.what":        "What",
			"reads.detail":      "Details",
			"reads.none":        "No reads recorded.",
			"reads.older":       "Older",
			"reads.newest":      "Newest",
			"reads.all":         "All reads of this ticket",
			"reads.of_user":     "All reads by this user",
			"reads.of_ticket":   "All reads of this ticket",
			"event.read.ticket": "ticket opened",
			"event.read.letter": "letter downloaded",
			"event.read.file":   "file downloaded",
			"event.read.search": "search",
			"event.read.export": "export",
		},
	}
}
