package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// The letters are what a citizens' support mailbox receives: Russian text
// from the big Russian and foreign webmails and desktop clients, in UTF-8,
// windows-1251 or KOI8-R, 8bit, quoted-printable or base64, plain, HTML-only
// or both, some answering an earlier letter on top of its quote. Every
// letter has its own sender, so each one makes a ticket and an
// acknowledgement (no follow-ups, no per-sender limit).

var (
	firstNames = []string{"Иван", "Мария", "Олег", "Наталья", "Сергей", "Анна", "Дмитрий", "Елена", "Алексей",
		"Ольга", "Михаил", "Татьяна", "Николай", "Светлана", "Андрей", "Юлия", "Павел", "Ирина", "Артём", "Ксения"}
	lastNames = []string{"Петров", "Иванов", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Васильев", "Новиков",
		"Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Козлов", "Степанов", "Орлов"}
	domains = []string{"mail.ru", "yandex.ru", "gmail.com", "rambler.ru", "bk.ru", "list.ru", "inbox.ru",
		"ya.ru", "outlook.com", "icloud.com"}
	mailers = []string{"Mozilla Thunderbird 115.6.0", "Microsoft Outlook 16.0", "Mail.ru Mail 14.2",
		"Yandex.Mail", "iPhone Mail (21C66)", "Roundcube Webmail/1.6.5", "The Bat! (v10.5.1) Professional"}

	greetings = []string{"Здравствуйте!", "Добрый день.", "Уважаемая служба поддержки,", "Добрый вечер!",
		"Здравствуйте, помогите, пожалуйста.", "Доброго времени суток."}
	closings = []string{"С уважением,", "Спасибо заранее.", "Жду ответа.", "С уважением и надеждой на помощь,", "Спасибо!"}
)

// topic is one kind of request: subjects to choose from and sentences the
// body is made of.
type topic struct {
	subjects  []string
	sentences []string
}

var topics = []topic{
	{ // loss of access: a priority ticket
		subjects: []string{"Не могу войти в личный кабинет", "Потерял доступ к аккаунту", "Взломали учётную запись",
			"Не приходит СМС с кодом подтверждения", "Заблокирован вход в ЛК"},
		sentences: []string{
			"Со вчерашнего дня не могу войти в личный кабинет, пишет «неверный пароль», хотя пароль я не менял.",
			"Восстановление пароля не работает: письмо со ссылкой не приходит ни на почту, ни в спам.",
			"Код подтверждения по СМС не приходит уже третий день, номер телефона тот же.",
			"Похоже, в мой аккаунт кто-то заходил: в истории входов есть вход из другого города.",
			"После смены телефона потерял доступ к приложению для подтверждения входа.",
			"Прошу срочно заблокировать доступ и помочь восстановить вход.",
		},
	},
	{ // status of an application
		subjects: []string{"Статус заявления", "Когда будет готова справка?", "Нет ответа по заявлению",
			"Вопрос по сроку рассмотрения", "Заявление на перерасчёт"},
		sentences: []string{
			"Подал заявление через портал две недели назад, статус до сих пор «на рассмотрении».",
			"Подскажите, пожалуйста, в какой срок рассматривается заявление на выдачу справки.",
			"В личном кабинете нет никакой информации о ходе рассмотрения.",
			"Мне нужна справка до конца месяца для предоставления по месту работы.",
			"Можно ли ускорить рассмотрение, если приложить недостающие документы повторно?",
			"Прошу сообщить, на каком этапе находится моё обращение.",
		},
	},
	{ // technical error
		subjects: []string{"Ошибка при отправке формы", "Ошибка 500 на сайте", "Не загружается документ",
			"Кнопка «Отправить» не работает", "Сайт выдаёт ошибку"},
		sentences: []string{
			"При отправке формы на шаге «Документы» появляется ошибка 500.",
			"Файл в формате PDF размером 2 МБ не загружается, пишет «недопустимый формат».",
			"Пробовал в браузерах Chrome и Firefox, результат одинаковый.",
			"Страница долго грузится, потом появляется белый экран.",
			"Кнопка «Отправить» становится серой и больше не нажимается.",
			"Очищал кэш и куки, заходил с телефона — не помогло.",
		},
	},
	{ // payment
		subjects: []string{"Оплата госпошлины не прошла", "Двойное списание средств", "Не вижу платёж в ЛК",
			"Возврат излишне уплаченной суммы"},
		sentences: []string{
			"Оплатил госпошлину банковской картой, деньги списались, а в личном кабинете статус «не оплачено».",
			"С карты списали сумму дважды, прошу вернуть лишний платёж.",
			"Квитанция об оплате есть, могу прислать по запросу.",
			"Банк говорит, что платёж прошёл успешно и вопрос нужно решать с получателем.",
			"Сумма платежа 3500 рублей, дата оплаты — 20 ноября.",
		},
	},
	{ // complaint
		subjects: []string{"Жалоба на работу службы", "Нет ответа уже две недели", "Прошу разобраться",
			"Претензия по обращению"},
		sentences: []string{
			"Я уже третий раз пишу по одному и тому же вопросу и не получаю ответа по существу.",
			"На горячей линии меня переключали между операторами сорок минут.",
			"Прошу рассмотреть обращение по существу и дать письменный ответ.",
			"Считаю, что сроки рассмотрения нарушены.",
			"Если ответа не будет, буду вынужден обратиться в вышестоящую организацию.",
		},
	},
	{ // data leak: a priority ticket
		subjects: []string{"Мои данные видны другому человеку", "Утечка персональных данных",
			"В моём кабинете чужие документы"},
		sentences: []string{
			"Зайдя в личный кабинет, я увидел чужие документы: паспорт и СНИЛС другого человека.",
			"Мои персональные данные, похоже, видны посторонним: мне позвонили и назвали номер моего заявления.",
			"Прошу проверить, не произошла ли утечка персональных данных.",
			"В разделе «Документы» отображаются файлы, которые я не загружал.",
		},
	},
}

// charset is how a letter's text is encoded.
type charset struct {
	name    string
	encode  func(string) []byte
	weight  int
	encodes []string // transfer encodings used with it
}

var charsets = []charset{
	{"utf-8", func(s string) []byte { return []byte(s) }, 60, []string{"8bit", "quoted-printable", "base64"}},
	{"windows-1251", encodeWith(charmap.Windows1251), 25, []string{"8bit", "quoted-printable", "base64"}},
	{"koi8-r", encodeWith(charmap.KOI8R), 15, []string{"8bit", "base64"}},
}

// koi8Typography is what a KOI8-R sender's client puts for the characters
// KOI8-R lacks.
var koi8Typography = strings.NewReplacer("«", "\"", "»", "\"", "—", "-", "№", "N")

func encodeWith(cm *charmap.Charmap) func(string) []byte {
	return func(s string) []byte {
		if cm == charmap.KOI8R {
			s = koi8Typography.Replace(s)
		}
		b, _ := encoding.ReplaceUnsupported(cm.NewEncoder()).Bytes([]byte(s))
		return b
	}
}

// generator makes letters from a seeded random source, so every run of the
// benchmark reads the same mail.
type generator struct {
	rng  *rand.Rand
	base time.Time
}

func newGenerator(seed uint64) *generator {
	return &generator{
		rng:  rand.New(rand.NewPCG(seed, seed^0x7469636b657464)),
		base: time.Date(2026, 11, 24, 9, 0, 0, 0, time.FixedZone("MSK", 3*3600)),
	}
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// citizen is the sender of letter i, unique to it.
type citizen struct{ name, address string }

func (g *generator) citizen(i int) citizen {
	first, last := g.pick(firstNames), g.pick(lastNames)
	local := fmt.Sprintf("%s.%s.%d", translit(first), translit(last), i)
	return citizen{name: first + " " + last, address: local + "@" + g.pick(domains)}
}

// header writes the header fields every letter has.
func (g *generator) header(b *bytes.Buffer, i int, from citizen, subject, cs string, date time.Time) {
	fmt.Fprintf(b, "Return-Path: <%s>\r\n", from.address)
	for hop := range 2 + g.rng.IntN(2) {
		fmt.Fprintf(b, "Received: from mx%d.%s (mx%d.%s [94.100.%d.%d])\r\n\tby mx.support.example.gov.ru with ESMTPS id %08X\r\n\tfor <support@example.gov.ru>; %s\r\n",
			hop+1, "relay.net", hop+1, "relay.net", g.rng.IntN(250), g.rng.IntN(250), g.rng.Uint32(),
			date.Add(time.Duration(hop)*time.Second).Format(time.RFC1123Z))
	}
	fmt.Fprintf(b, "From: %s <%s>\r\n", encodeWord(cs, from.name), from.address)
	b.WriteString("To: =?utf-8?B?0KHQu9GD0LbQsdCwINC/0L7QtNC00LXRgNC20LrQuA==?= <support@example.gov.ru>\r\n")
	fmt.Fprintf(b, "Subject: %s\r\n", encodeWord(cs, subject))
	fmt.Fprintf(b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(b, "Message-ID: <%d.%016x@%s>\r\n", i, g.rng.Uint64(), strings.SplitN(from.address, "@", 2)[1])
	fmt.Fprintf(b, "X-Mailer: %s\r\n", g.pick(mailers))
	b.WriteString("MIME-Version: 1.0\r\n")
}

// encodeWord encodes s for a header field in charset cs (RFC 2047).
func encodeWord(cs, s string) string {
	for _, c := range charsets {
		if c.name == cs {
			return mime.BEncoding.Encode(cs, string(c.encode(s)))
		}
	}
	return mime.BEncoding.Encode("utf-8", s)
}

// text is the body of a letter on topic t from c: greeting, a few sentences,
// sometimes the account and application numbers, a signature, and for a
// reply the quoted earlier letter.
func (g *generator) text(t topic, c citizen, i int, reply bool) string {
	var b strings.Builder
	b.WriteString(g.pick(greetings) + "\n\n")
	n := 2 + g.rng.IntN(4)
	for j := range n {
		b.WriteString(g.pick(t.sentences))
		if j%2 == 1 {
			b.WriteString("\n")
		} else {
			b.WriteString(" ")
		}
	}
	if g.rng.IntN(3) > 0 {
		fmt.Fprintf(&b, "\nНомер личного кабинета: %07d.", 1000000+i%9000000)
	}
	if g.rng.IntN(3) == 0 {
		fmt.Fprintf(&b, " Номер заявления 2026-%06d.", g.rng.IntN(1000000))
	}
	fmt.Fprintf(&b, "\n\n%s\n%s\nтел. +7 9%02d %03d-%02d-%02d\n", g.pick(closings), c.name,
		g.rng.IntN(100), g.rng.IntN(1000), g.rng.IntN(100), g.rng.IntN(100))
	if reply {
		fmt.Fprintf(&b, "\n%s, Служба поддержки пишет:\n", g.base.Add(-72*time.Hour).Format("02.01.2006 15:04"))
		for _, line := range []string{
			"> Здравствуйте!", ">", "> Ваше обращение зарегистрировано. Для ответа нам нужны",
			"> номер личного кабинета и подробное описание проблемы.", ">",
			"> С уважением,", "> Служба поддержки",
		} {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// small returns letter i, a few kilobytes of Russian text, and its sender's
// address.
func (g *generator) small(i int) (raw []byte, from string) {
	t := topics[g.rng.IntN(len(topics))]
	c := g.citizen(i)
	reply := g.rng.IntN(5) == 0
	subject := g.pick(t.subjects)
	if reply {
		subject = "Re: " + subject
	}
	cs := g.charset()
	date := g.base.Add(time.Duration(i) * 17 * time.Second)
	var b bytes.Buffer
	g.header(&b, i, c, subject, cs.name, date)
	text := g.text(t, c, i, reply)
	switch form := g.rng.IntN(10); {
	case form == 0: // HTML only, as some webmails send
		writePart(&b, "text/html", cs, "quoted-printable", htmlOf(text, cs.name))
	case form <= 2: // text and HTML
		boundary := fmt.Sprintf("alt-%016x", g.rng.Uint64())
		fmt.Fprintf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary)
		fmt.Fprintf(&b, "--%s\r\n", boundary)
		writePart(&b, "text/plain", cs, g.pick(cs.encodes), text)
		fmt.Fprintf(&b, "\r\n--%s\r\n", boundary)
		writePart(&b, "text/html", cs, "quoted-printable", htmlOf(text, cs.name))
		fmt.Fprintf(&b, "\r\n--%s--\r\n", boundary)
	default:
		writePart(&b, "text/plain", cs, g.pick(cs.encodes), text)
	}
	return b.Bytes(), c.address
}

// withFiles returns letter i carrying files, each a screenshot.
func (g *generator) withFiles(i int, files []file) []byte {
	t := topics[2] // technical errors come with screenshots
	c := g.citizen(i)
	date := g.base.Add(time.Duration(i) * 17 * time.Second)
	cs := charsets[0]
	var b bytes.Buffer
	g.header(&b, i, c, g.pick(t.subjects), cs.name, date)
	boundary := fmt.Sprintf("mixed-%016x", g.rng.Uint64())
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\n", boundary)
	writePart(&b, "text/plain", cs, "8bit", g.text(t, c, i, false)+"\nСкриншот прилагаю.\n")
	for _, f := range files {
		fmt.Fprintf(&b, "\r\n--%s\r\n", boundary)
		fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Disposition: %s\r\nContent-Transfer-Encoding: base64\r\n\r\n",
			mime.FormatMediaType(f.contentType, map[string]string{"name": f.name}),
			mime.FormatMediaType("attachment", map[string]string{"filename": f.name}))
		writeBase64(&b, f.data)
	}
	fmt.Fprintf(&b, "\r\n--%s--\r\n", boundary)
	return b.Bytes()
}

func (g *generator) charset() charset {
	total := 0
	for _, c := range charsets {
		total += c.weight
	}
	n := g.rng.IntN(total)
	for _, c := range charsets {
		if n < c.weight {
			return c
		}
		n -= c.weight
	}
	return charsets[0]
}

// writePart writes a single-part body's header and text, encoded.
func writePart(b *bytes.Buffer, mediaType string, cs charset, transfer, text string) {
	fmt.Fprintf(b, "Content-Type: %s; charset=%s\r\nContent-Transfer-Encoding: %s\r\n\r\n", mediaType, cs.name, transfer)
	raw := cs.encode(text)
	switch transfer {
	case "quoted-printable":
		w := quotedprintable.NewWriter(b)
		w.Write(bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n")))
		w.Close()
		b.WriteString("\r\n")
	case "base64":
		writeBase64(b, raw)
	default:
		b.Write(bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n")))
	}
}

// writeBase64 writes data in base64 lines of 76 characters (RFC 2045 6.8).
func writeBase64(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n")
}

// htmlOf renders text as webmail HTML declaring charset cs.
func htmlOf(text, cs string) string {
	var b strings.Builder
	b.WriteString("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=" + cs + "\"></head>\n")
	b.WriteString("<body><div style=\"font-family: Arial; font-size: 14px\">\n")
	for _, para := range strings.Split(text, "\n\n") {
		para = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", "<br>\n").Replace(para)
		b.WriteString("<p>" + para + "</p>\n")
	}
	b.WriteString("</div></body></html>\n")
	return b.String()
}

var translitTable = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sch", 'ъ': "", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "yu", 'я': "ya",
}

// translit spells a Russian name in Latin letters for an address.
func translit(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if t, ok := translitTable[r]; ok {
			b.WriteString(t)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
