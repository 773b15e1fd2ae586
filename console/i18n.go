package console

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// The console's languages: Russian by default, English on request
// (?lang=en, remembered in the cookie lang).
const (
	defaultLanguage = "ru"
	langCookie      = "lang"
)

// languages lists the console's languages, the default first.
func languages() []string { return []string{"ru", "en"} }

// catalog holds the console's messages: language → key → text.
type catalog map[string]map[string]string

// newCatalog joins parts of the catalog, refusing a key given twice or a
// key missing from one of the languages.
func newCatalog(parts ...map[string]map[string]string) (catalog, error) {
	c := catalog{}
	for _, lang := range languages() {
		c[lang] = map[string]string{}
	}
	for _, part := range parts {
		for lang, msgs := range part {
			if c[lang] == nil {
				return nil, fmt.Errorf("console: messages in unknown language %q", lang)
			}
			for k, v := range msgs {
				if _, dup := c[lang][k]; dup {
					return nil, fmt.Errorf("console: message %s/%s given twice", lang, k)
				}
				c[lang][k] = v
			}
		}
	}
	var missing []string
	for _, lang := range languages() {
		for _, other := range languages() {
			for k := range c[other] {
				if _, ok := c[lang][k]; !ok {
					missing = append(missing, lang+"/"+k)
				}
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("console: messages missing: %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// text returns the message key in lang; a key with no message is itself,
// so that a slip shows on the page rather than breaking it.
func (c catalog) text(lang, key string) string {
	if m, ok := c[lang][key]; ok {
		return m
	}
	if m, ok := c[defaultLanguage][key]; ok {
		return m
	}
	return key
}

// language finds the request's language, from ?lang= (which it remembers
// in a cookie) or the cookie, and keeps it in the request's info.
func (s *Server) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := ""
		if q := r.URL.Query().Get("lang"); q != "" && s.messages[q] != nil {
			lang = q
			if !isAPI(r) {
				http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
					HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
			}
		} else if c, err := r.Cookie(langCookie); err == nil && s.messages[c.Value] != nil {
			lang = c.Value
		}
		if lang == "" {
			lang = defaultLanguage
		}
		info(r.Context()).lang = lang
		next.ServeHTTP(w, r)
	})
}

// coreMessages are the messages of the layout, sign-in, the queue and
// the errors. The ticket page's are in ticketMessages.
func coreMessages() map[string]map[string]string {
	return map[string]map[string]string{
		"ru": {
			"app.name":                   "ticketd",
			"nav.queue":                  "Очередь",
			"nav.signed_in_as":           "Вы вошли как",
			"nav.logout":                 "Выйти",
			"nav.language":               "Язык",
			"nav.skip":                   "К содержимому",
			"role.operator":              "оператор",
			"role.auditor":               "аудитор",
			"role.admin":                 "администратор",
			"ticket.export":              "Экспорт (zip)",
			"ticket.export_hint":         "Письма, файлы, события и сегмент цепочки одним архивом; скачивание записывается в журнал. Проверка: ticketd audit verify-export",
			"login.title":                "Вход",
			"login.username":             "Имя пользователя",
			"login.password":             "Пароль",
			"login.totp":                 "Код из приложения (если подключён)",
			"login.submit":               "Войти",
			"login.failed":               "Неверное имя, пароль или код. После нескольких неудачных попыток вход на время закрывается — подождите и попробуйте снова.",
			"login.totp_needed":          "Администратору нужен второй фактор. Попросите выполнить на сервере: ticketd users totp %s — и войдите с кодом.",
			"queue.title":                "Очередь",
			"queue.filters":              "Отбор",
			"queue.status":               "Статус",
			"queue.priority":             "Приоритет",
			"queue.category":             "Категория",
			"queue.assignee":             "Исполнитель",
			"queue.any":                  "любой",
			"queue.nobody":               "не назначен",
			"queue.me":                   "я",
			"queue.search":               "Поиск",
			"queue.search_hint":          "номер обращения, лицевого счёта, заявления, адрес или слова",
			"queue.apply":                "Показать",
			"queue.reset":                "Сбросить",
			"queue.counts":               "По статусам",
			"queue.total":                "Найдено",
			"queue.total_many":           "много, уточните поиск",
			"queue.empty":                "Обращений нет.",
			"queue.next":                 "Следующая страница",
			"queue.first":                "В начало",
			"queue.number":               "Номер",
			"queue.subject":              "Тема",
			"queue.citizen":              "Заявитель",
			"queue.due":                  "Срок",
			"queue.overdue":              "просрочено",
			"queue.keys":                 "Клавиши: j/k — следующее/предыдущее, Enter или o — открыть, r — ответить.",
			"queue.no_subject":           "(без темы)",
			"live.changed":               "Обращение изменилось, пока страница была открыта.",
			"live.reload":                "Обновить",
			"live.offline":               "Нет связи с сервером: список не обновляется сам.",
			"status.new":                 "новое",
			"status.in_progress":         "в работе",
			"status.waiting_for_citizen": "ждёт заявителя",
			"status.answered":            "отвечено",
			"status.closed":              "закрыто",
			"priority.normal":            "обычный",
			"priority.high":              "срочно",
			"category.":                  "без категории",
			"category.technical_error":   "техническая ошибка",
			"category.service_question":  "вопрос об услуге",
			"category.recommendation":    "предложение",
			"category.status_request":    "статус заявления",
			"category.complaint":         "жалоба",
			"category.other":             "другое",
			"error.title":                "Ошибка",
			"error.internal":             "Внутренняя ошибка сервера. Она записана в журнал.",
			"error.forbidden":            "Недостаточно прав для этого действия.",
			"error.unauthorized":         "Нужно войти.",
			"error.cross_origin":         "Запрос с другого сайта отклонён.",
			"error.not_found":            "Не найдено.",
			"error.bad_request":          "Неверный запрос.",
			"error.bad_filter":           "Неверный отбор: %s",
			"error.too_many":             "Слишком много подключений. Закройте лишние вкладки.",
			"error.unavailable":          "Хранилище недоступно.",
			"error.search_stale":         "Поиск недоступен: индекс нужно перестроить командой ticketd reindex. Списки без поиска работают.",
		},
		"en": {
			"app.name":                   "ticketd",
			"nav.queue":                  "Queue",
			"nav.signed_in_as":           "Signed in as",
			"nav.logout":                 "Sign out",
			"nav.language":               "Language",
			"nav.skip":                   "Skip to content",
			"role.operator":              "operator",
			"role.auditor":               "auditor",
			"role.admin":                 "admin",
			"ticket.export":              "Export (zip)",
			"ticket.export_hint":         "Letters, files, events and the chain segment in one archive; the download is recorded. Check it with ticketd audit verify-export",
			"login.title":                "Sign in",
			"login.username":             "User name",
			"login.password":             "Password",
			"login.totp":                 "Authenticator code (if enrolled)",
			"login.submit":               "Sign in",
			"login.failed":               "Wrong name, password or code. After several failed attempts signing in is closed for a while: wait and try again.",
			"login.totp_needed":          "Admins need a second factor. Ask for this to be run on the server: ticketd users totp %s — then sign in with a code.",
			"queue.title":                "Queue",
			"queue.filters":              "Filters",
			"queue.status":               "Status",
			"queue.priority":             "Priority",
			"queue.category":             "Category",
			"queue.assignee":             "Assignee",
			"queue.any":                  "anyone",
			"queue.nobody":               "nobody",
			"queue.me":                   "me",
			"queue.search":               "Search",
			"queue.search_hint":          "ticket, account or application number, address or words",
			"queue.apply":                "Show",
			"queue.reset":                "Reset",
			"queue.counts":               "By status",
			"queue.total":                "Found",
			"queue.total_many":           "many; narrow the search",
			"queue.empty":                "No tickets.",
			"queue.next":                 "Next page",
			"queue.first":                "First page",
			"queue.number":               "Number",
			"queue.subject":              "Subject",
			"queue.citizen":              "Citizen",
			"queue.due":                  "Due",
			"queue.overdue":              "overdue",
			"queue.keys":                 "Keys: j/k next/previous, Enter or o open, r reply.",
			"queue.no_subject":           "(no subject)",
			"live.changed":               "This ticket changed while the page was open.",
			"live.reload":                "Reload",
			"live.offline":               "Lost the server: the list no longer updates itself.",
			"status.new":                 "new",
			"status.in_progress":         "in progress",
			"status.waiting_for_citizen": "waiting for citizen",
			"status.answered":            "answered",
			"status.closed":              "closed",
			"priority.normal":            "normal",
			"priority.high":              "urgent",
			"category.":                  "no category",
			"category.technical_error":   "technical error",
			"category.service_question":  "service question",
			"category.recommendation":    "suggestion",
			"category.status_request":    "application status",
			"category.complaint":         "complaint",
			"category.other":             "other",
			"error.title":                "Error",
			"error.internal":             "Internal server error. It has been logged.",
			"error.forbidden":            "You may not do this.",
			"error.unauthorized":         "Sign in first.",
			"error.cross_origin":         "A request from another site was refused.",
			"error.not_found":            "Not found.",
			"error.bad_request":          "Bad request.",
			"error.bad_filter":           "Bad filter: %s",
			"error.too_many":             "Too many connections. Close some tabs.",
			"error.unavailable":          "The store is unavailable.",
			"error.search_stale":         "Search is unavailable: the index must be rebuilt with ticketd reindex. Lists without a search work.",
		},
	}
}
