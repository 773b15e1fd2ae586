package attachments

import (
	"fmt"
	"strconv"
	"strings"
)

// Explain tells the citizen in one or two sentences why a file was not
// accepted, in Russian ("ru", the default) or English ("en", "en-GB"...).
// It says the size and the limit for ReasonTooLarge and the real type for
// ReasonWrongType. It returns "" for accepted and skipped files.
func (v Verdict) Explain(lang string) string {
	if v.Accepted || v.Skipped || v.Reason == ReasonNone {
		return ""
	}
	m := messagesRU
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		m = messagesEN
	}
	return m.explain(v)
}

// messages holds the sentences of one language. Each %[1]s is the
// filename.
type messages struct {
	lang          string
	tooLarge      string // filename, size, limit
	notImage      string // filename, kind, formats
	otherImage    string // filename, kind, formats
	heicHint      string
	damaged       string
	tooManyPixels string // filename, width, height, megapixels, limit in megapixels
	tooBigToOpen  string // filename, width, height, memory needed, limit
	javascript    string
	embedded      string
	encrypted     string
	polyglot      string // filename, kind of what is hidden
	empty         string
	budget        string
	other         string
	or            string
	units         [3]string // bytes, KB, MB
}

var messagesRU = messages{
	lang:          "ru",
	tooLarge:      "Файл «%[1]s» весит %[2]s, а допустимо не более %[3]s. Уменьшите его, пожалуйста, или пришлите скриншот нужной части экрана.",
	notImage:      "Файл «%[1]s» — это не изображение, а %[2]s. Пришлите, пожалуйста, скриншот в формате %[3]s.",
	otherImage:    "Файл «%[1]s» — изображение в формате %[2]s, а мы принимаем только %[3]s. Пришлите, пожалуйста, скриншот в одном из этих форматов.",
	heicHint:      " На iPhone для этого выберите «Настройки» → «Камера» → «Форматы» → «Наиболее совместимый».",
	damaged:       "Файл «%[1]s» повреждён или пришёл не полностью, открыть его не удалось. Пришлите его, пожалуйста, ещё раз.",
	tooManyPixels: "Изображение «%[1]s» слишком велико: %[2]d×%[3]d, это %[4]s млн пикселей, а допустимо не более %[5]s млн. Уменьшите его, пожалуйста, или пришлите скриншот.",
	tooBigToOpen:  "Изображение «%[1]s» (%[2]d×%[3]d) слишком велико, чтобы его открыть: для этого нужно %[4]s памяти, а допустимо не более %[5]s. Уменьшите его или сохраните в формате JPG, пожалуйста, либо пришлите скриншот.",
	javascript:    "Файл «%[1]s» содержит программный код (JavaScript или автоматические действия), поэтому из соображений безопасности мы его не открываем. Пришлите, пожалуйста, скриншот или заново сохраните документ в PDF без этих функций.",
	embedded:      "В файл «%[1]s» вложены другие файлы, поэтому из соображений безопасности мы его не открываем. Пришлите, пожалуйста, каждый документ отдельно в формате JPG, PNG или PDF.",
	encrypted:     "Файл «%[1]s» защищён паролем или зашифрован, поэтому открыть его мы не можем. Пришлите, пожалуйста, PDF без пароля или скриншот.",
	polyglot:      "Файл «%[1]s» содержит скрытые данные (%[2]s), поэтому из соображений безопасности мы его не принимаем. Пришлите, пожалуйста, обычный скриншот в формате JPG, PNG или PDF.",
	empty:         "Файл «%[1]s» пустой — возможно, он не успел прикрепиться. Пришлите его, пожалуйста, ещё раз.",
	budget:        "Файл «%[1]s» мы не успели проверить: в письме слишком много вложений или они слишком большие. Пришлите его, пожалуйста, отдельным письмом.",
	other:         "Файл «%[1]s» принять не удалось. Пришлите, пожалуйста, скриншот в формате JPG, PNG или PDF.",
	or:            "или",
	units:         [3]string{"байт", "КБ", "МБ"},
}

var messagesEN = messages{
	lang:          "en",
	tooLarge:      "The file “%[1]s” is %[2]s, but at most %[3]s is allowed. Please make it smaller or send a screenshot of the relevant part of the screen.",
	notImage:      "The file “%[1]s” is not an image but %[2]s. Please send a screenshot as %[3]s.",
	otherImage:    "The file “%[1]s” is %[2]s image, but we only accept %[3]s. Please send the screenshot in one of these formats.",
	heicHint:      " On an iPhone, choose Settings → Camera → Formats → Most Compatible.",
	damaged:       "The file “%[1]s” is damaged or did not arrive complete, so it cannot be opened. Please send it again.",
	tooManyPixels: "The image “%[1]s” is too large: %[2]d×%[3]d, that is %[4]s megapixels, but at most %[5]s megapixels are allowed. Please make it smaller or send a screenshot.",
	tooBigToOpen:  "The image “%[1]s” (%[2]d×%[3]d) is too large to open: it needs %[4]s of memory, but at most %[5]s is allowed. Please make it smaller or save it as JPG, or send a screenshot.",
	javascript:    "The file “%[1]s” contains program code (JavaScript or automatic actions), so for safety we do not open it. Please send a screenshot, or save the document as a PDF again without these features.",
	embedded:      "The file “%[1]s” has other files inside it, so for safety we do not open it. Please send each document separately as JPG, PNG or PDF.",
	encrypted:     "The file “%[1]s” is protected by a password or encrypted, so we cannot open it. Please send a PDF without a password, or a screenshot.",
	polyglot:      "The file “%[1]s” contains hidden data (%[2]s), so for safety we do not accept it. Please send an ordinary screenshot as JPG, PNG or PDF.",
	empty:         "The file “%[1]s” is empty; perhaps it was not attached completely. Please send it again.",
	budget:        "We could not check the file “%[1]s” in time: the letter has too many or too large attachments. Please send it in a separate letter.",
	other:         "The file “%[1]s” could not be accepted. Please send a screenshot as JPG, PNG or PDF.",
	or:            "or",
	units:         [3]string{"bytes", "KB", "MB"},
}

func (m messages) explain(v Verdict) string {
	name := v.Filename
	switch v.Reason {
	case ReasonTooLarge:
		limit, _ := strconv.ParseInt(fact(v.Detail, "limit"), 10, 64)
		return fmt.Sprintf(m.tooLarge, name, m.size(v.Size, true), m.size(limit, false))
	case ReasonWrongType:
		formats := m.formats(fact(v.Detail, "allowed"))
		if isImage(v.DetectedType) {
			s := fmt.Sprintf(m.otherImage, name, m.article(kindIn(m.lang, v.DetectedType)), formats)
			if v.DetectedType == typeHEIC {
				s += m.heicHint
			}
			return s
		}
		return fmt.Sprintf(m.notImage, name, m.article(kindIn(m.lang, v.DetectedType)), formats)
	case ReasonDamaged:
		return fmt.Sprintf(m.damaged, name)
	case ReasonTooManyPixels:
		limit, _ := strconv.ParseInt(fact(v.Detail, "limit"), 10, 64)
		px := int64(v.Width) * int64(v.Height)
		return fmt.Sprintf(m.tooManyPixels, name, v.Width, v.Height,
			m.tenths(ratio(px, 100_000, true)), m.tenths(ratio(limit, 100_000, false)))
	case ReasonTooLargeToDecode:
		need, _ := strconv.ParseInt(fact(v.Detail, "bytes"), 10, 64)
		limit, _ := strconv.ParseInt(fact(v.Detail, "limit"), 10, 64)
		return fmt.Sprintf(m.tooBigToOpen, name, v.Width, v.Height, m.size(need, true), m.size(limit, false))
	case ReasonPDFJavaScript:
		return fmt.Sprintf(m.javascript, name)
	case ReasonPDFEmbeddedFiles:
		return fmt.Sprintf(m.embedded, name)
	case ReasonPDFEncrypted:
		return fmt.Sprintf(m.encrypted, name)
	case ReasonPolyglot:
		return fmt.Sprintf(m.polyglot, name, kindIn(m.lang, fact(v.Detail, "embedded")))
	case ReasonEmpty:
		return fmt.Sprintf(m.empty, name)
	case ReasonBudgetExceeded:
		return fmt.Sprintf(m.budget, name)
	}
	return fmt.Sprintf(m.other, name)
}

// formats lists the allowed types for people: "JPG, PNG или PDF".
func (m messages) formats(allowed string) string {
	var names []string
	for _, t := range strings.Split(allowed, ",") {
		switch t {
		case "":
		case typeJPEG:
			names = append(names, "JPG")
		default:
			names = append(names, kindIn("en", t))
		}
	}
	switch len(names) {
	case 0:
		names = []string{"JPG", "PNG", "PDF"}
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + m.or + " " + names[len(names)-1]
}

// size formats a number of bytes in KB or MB of 1024, with one decimal.
// A size is rounded up and a limit down, so that a file just over the
// limit never reads as equal to it.
func (m messages) size(n int64, up bool) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d %s", n, m.units[0])
	case n < 1024*1024:
		return m.tenths(ratio(n*10, 1024, up)) + " " + m.units[1]
	}
	return m.tenths(ratio(n*10, 1024*1024, up)) + " " + m.units[2]
}

// ratio divides, rounding up or down.
func ratio(n, d int64, up bool) int64 {
	if up {
		return (n + d - 1) / d
	}
	return n / d
}

// tenths formats a number of tenths with the decimal separator of the
// language: "7,2", "5".
func (m messages) tenths(t int64) string {
	s := strconv.FormatInt(t/10, 10)
	if t%10 == 0 {
		return s
	}
	sep := "."
	if m.lang == "ru" {
		sep = ","
	}
	return s + sep + strconv.FormatInt(t%10, 10)
}

// article puts the English indefinite article before a kind: "a ZIP
// archive", "an Excel spreadsheet". Russian has none.
func (m messages) article(kind string) string {
	if m.lang != "en" || kind == "" {
		return kind
	}
	if strings.ContainsRune("AEIOUaeiou", rune(kind[0])) || strings.HasPrefix(kind, "MP") {
		return "an " + kind
	}
	return "a " + kind
}
