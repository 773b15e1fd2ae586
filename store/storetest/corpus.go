package storetest

import (
	"fmt"
	"math/rand/v2"
	"mime"
	"strings"
	"time"
)

// The citizens and their letters: Russian names, addresses and numbers,
// and letters made of sentences drawn from pools, so that word
// frequencies are those of a help desk's mail: a greeting in nearly every
// letter, a topic's words in a few per cent of them, a rare word in a few
// in a thousand.

var (
	surnames = []string{"Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов",
		"Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов",
		"Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
		"Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров",
		"Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв",
		"Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев",
		"Герасимов", "Богданов", "Осипов", "Сидоренко", "Матвеев", "Титов", "Марков", "Миронов", "Крылов", "Куликов"}
	maleNames = []string{"Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван",
		"Михаил", "Артём", "Николай", "Владимир", "Павел", "Роман", "Олег", "Игорь", "Юрий", "Виктор", "Пётр", "Фёдор"}
	femaleNames = []string{"Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Анна", "Мария", "Светлана",
		"Екатерина", "Юлия", "Людмила", "Галина", "Марина", "Анастасия", "Дарья", "Вера", "Зоя", "Надежда", "Алёна", "Ксения"}
	patronymics = []string{"Александров", "Сергеев", "Дмитриев", "Андреев", "Алексеев", "Михайлов", "Иванов",
		"Николаев", "Владимиров", "Петров", "Викторов", "Юрьев", "Павлов", "Фёдоров"}
	domains   = []string{"mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "ya.ru", "outlook.com"}
	operators = []string{"anna", "boris", "vera", "gleb", "dina", "egor", "zhanna", "ilya", "kira", "lev", "maya", "nikita"}
	streets   = []string{"Ленина", "Гагарина", "Мира", "Советская", "Садовая", "Лесная", "Школьная", "Набережная",
		"Молодёжная", "Центральная", "Заречная", "Полевая", "Победы", "Строителей", "Пушкина"}
	cities = []string{"Москва", "Казань", "Тверь", "Самара", "Пермь", "Омск", "Тула", "Курск", "Иваново", "Вологда"}
)

// topic is what a letter is about: its subjects, what the citizen writes,
// and the category triage gives it.
type topic struct {
	category  string
	weight    int
	subjects  []string
	sentences []string
}

var topics = []topic{
	{"technical_error", 20, []string{"Не работает личный кабинет", "Ошибка при входе на портал", "Не приходит код подтверждения",
		"Сайт выдаёт ошибку", "Не могу загрузить документы", "Не открывается страница оплаты"},
		[]string{"При входе в личный кабинет появляется ошибка 500.", "Код подтверждения по СМС не приходит уже третий день.",
			"После ввода пароля страница просто обновляется.", "Кнопка «Отправить» не нажимается ни в одном браузере.",
			"Файл в формате PDF не загружается, пишет что превышен размер.", "Пробовал с телефона и с компьютера — то же самое.",
			"Прикладываю снимок экрана с ошибкой.", "Очистил кэш браузера, не помогло.", "Домофон в приложении не отображается."}},
	{"service_question", 30, []string{"Как получить справку о доходах", "Вопрос по начислению субсидии", "Как подать заявление на выплату",
		"Перерасчёт за отопление", "Вопрос по квитанции", "Льгота на оплату ЖКУ", "Как передать показания счётчика"},
		[]string{"Подскажите, пожалуйста, какие документы нужны для оформления субсидии.", "В квитанции за октябрь неверно указана площадь квартиры.",
			"Хочу узнать, положена ли мне льгота как пенсионеру.", "Показания счётчика воды передал вовремя, но начисление по нормативу.",
			"Нужна справка об отсутствии задолженности для банка.", "Прошу сделать перерасчёт за отопление за прошлый месяц.",
			"Как оформить компенсацию за капитальный ремонт?", "Счётчик электроэнергии заменили, акт прилагаю.",
			"Где посмотреть историю платежей по лицевому счёту?"}},
	{"status_request", 20, []string{"Статус заявления", "Когда будет рассмотрено моё заявление", "Нет ответа по заявлению",
		"Где моя выплата", "Заявление на перерасчёт"},
		[]string{"Заявление подано больше месяца назад, ответа до сих пор нет.", "В личном кабинете статус «на рассмотрении» уже три недели.",
			"Подскажите, на каком этапе моё заявление.", "Выплата должна была прийти ещё в прошлом месяце.",
			"Прошу сообщить срок рассмотрения заявления."}},
	{"complaint", 12, []string{"Жалоба на работу оператора", "Некорректное начисление платы", "Жалоба на управляющую компанию",
		"Двойное списание средств"},
		[]string{"Оператор на горячей линии отказался принять обращение.", "С карты дважды списали оплату за один и тот же месяц.",
			"Управляющая компания не реагирует на заявки о протечке крыши.", "Начислены пени, хотя оплата была произведена в срок.",
			"Прошу разобраться и вернуть излишне уплаченные средства."}},
	{"recommendation", 6, []string{"Предложение по улучшению сайта", "Пожелание по работе портала"},
		[]string{"Было бы удобно получать уведомления о готовности документов по электронной почте.",
			"Предлагаю добавить возможность оплаты через систему быстрых платежей.", "Сделайте, пожалуйста, тёмную тему для приложения."}},
	{"other", 12, []string{"Спасибо за помощь", "Вопрос", "Обращение", "Без темы"},
		[]string{"Спасибо, вопрос решён.", "Благодарю за оперативный ответ.", "Прошу закрыть обращение.", "Уточните, пожалуйста, часы работы приёмной."}},
}

// filler sentences any letter may hold; rare holds words found in a few
// letters in a thousand.
var (
	filler = []string{"Заранее спасибо.", "Прошу помочь разобраться в ситуации.", "Буду признателен за быстрый ответ.",
		"Ранее уже обращался, но вопрос не решён.", "Телефон для связи указан в подписи.", "Проживаю по указанному адресу с 2015 года.",
		"Документы готов предоставить по запросу.", "Очень рассчитываю на вашу помощь.", "Это уже не первый случай.",
		"Прошу ответить письменно.", "В приложении копия паспорта и квитанции."}
	rare = []string{"водоотведение", "газификация", "мусоропровод", "лифт", "подъезд", "кровля", "канализация", "электроплита",
		"радиатор", "стояк", "водонагреватель", "вентиляция", "тепловизор", "опломбировка", "поверка", "домофон", "шлагбаум",
		"парковка", "дератизация", "дезинсекция"}
)

// citizen is who writes.
type citizen struct {
	name, address string
	female        bool
}

func newCitizen(r *rand.Rand, i int) citizen {
	surname := surnames[r.IntN(len(surnames))]
	female := r.IntN(2) == 0
	first, patronymic := maleNames[r.IntN(len(maleNames))], patronymics[r.IntN(len(patronymics))]+"ич"
	if female {
		surname += "а"
		first, patronymic = femaleNames[r.IntN(len(femaleNames))], patronymics[r.IntN(len(patronymics))]+"на"
	}
	f, s := translit(strings.ToLower(first)), translit(strings.ToLower(surname))
	var local string
	switch r.IntN(3) {
	case 0:
		local = s + fmt.Sprint(1950+r.IntN(55))
	case 1:
		local = f + "." + s
	default:
		local = f[:1] + "_" + s + fmt.Sprint(i%1000)
	}
	return citizen{name: surname + " " + first + " " + patronymic, address: local + "@" + domains[r.IntN(len(domains))], female: female}
}

var translitTable = map[rune]string{'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e",
	'ю': "yu", 'я': "ya"}

func translit(s string) string {
	var b strings.Builder
	for _, r := range s {
		if t, ok := translitTable[r]; ok {
			b.WriteString(t)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// accountNumber is a personal account number as a citizen types it, and
// as triage keeps it (digits and dashes, spaces removed).
func accountNumber(r *rand.Rand) (typed, kept string) {
	d := fmt.Sprintf("%010d", r.Int64N(1e10))
	switch r.IntN(3) {
	case 0:
		return d, d
	case 1:
		s := d[:3] + "-" + d[3:6] + "-" + d[6:]
		return s, s
	default:
		return d[:4] + " " + d[4:], d
	}
}

func applicationNumber(r *rand.Rand, at time.Time) string {
	return fmt.Sprintf("%d-%06d", at.Year(), r.IntN(1000000))
}

// letterText writes what a citizen writes about t: a greeting, the topic's
// sentences, the numbers, filler, a rare word now and then, and a
// signature.
func letterText(r *rand.Rand, t topic, c citizen, account, application string) string {
	var b strings.Builder
	if r.IntN(10) < 9 {
		b.WriteString([]string{"Здравствуйте!", "Добрый день!", "Добрый день.", "Здравствуйте."}[r.IntN(4)] + "\n\n")
	}
	for range 1 + r.IntN(3) {
		b.WriteString(t.sentences[r.IntN(len(t.sentences))] + " ")
	}
	if account != "" {
		fmt.Fprintf(&b, "Мой лицевой счёт %s. ", account)
	}
	if application != "" {
		fmt.Fprintf(&b, "Номер заявления %s. ", application)
	}
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "Адрес: г. %s, ул. %s, д. %d, кв. %d. ", cities[r.IntN(len(cities))], streets[r.IntN(len(streets))], 1+r.IntN(120), 1+r.IntN(300))
	}
	for range r.IntN(3) {
		b.WriteString(filler[r.IntN(len(filler))] + " ")
	}
	if r.IntN(100) < 4 {
		fmt.Fprintf(&b, "Отдельно про %s: тоже есть вопросы. ", rare[r.IntN(len(rare))])
	}
	fmt.Fprintf(&b, "\n\n--\nС уважением,\n%s\nтел. +7 9%02d %03d-%02d-%02d\n", c.name, r.IntN(100), r.IntN(1000), r.IntN(100), r.IntN(100))
	return b.String()
}

// rawLetter is a letter as it arrives: a header of a few lines, and text
// in UTF-8, 8bit.
func rawLetter(from, fromName, to, subject, messageID, inReplyTo string, at time.Time, text string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Return-Path: <%s>\r\nFrom: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n",
		from, mime.BEncoding.Encode("utf-8", fromName), from, to, mime.BEncoding.Encode("utf-8", subject),
		at.Format(time.RFC1123Z), messageID)
	if inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", inReplyTo, inReplyTo)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(text, "\n", "\r\n"))
	return []byte(b.String())
}
