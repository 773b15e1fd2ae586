package templates

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sample is the data the golden files are rendered with: everything
// filled in, in the letter's language.
func sample(lang string) Data {
	recv := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	d := Data{
		Number: "TKT-000123", Subject: "Не могу войти в личный кабинет", CitizenName: "Иванов Иван",
		ApplicationNumber: "4521-77", Status: "in_progress",
		Received: recv, Due: recv.Add(12 * time.Hour), Hours: 12,
		Missing:  []string{"account_number", "screenshot"},
		Accepted: 1,
		Rejected: []File{
			{Name: "scan.zip", Reason: "Файл «scan.zip» — это не изображение, а архив ZIP. Пришлите, пожалуйста, скриншот в формате JPG или PNG."},
			{Name: "photo.heic", Reason: "формат HEIC не поддерживается"},
		},
		Size: "31,5 МБ", Limit: "30 МБ",
		Operator: "Петрова Анна",
	}
	if lang == "en" {
		d.Subject, d.CitizenName, d.Operator = "Cannot log in to my account", "Ivan Ivanov", "Anna Petrova"
		d.Rejected = []File{
			{Name: "scan.zip", Reason: "The file “scan.zip” is not an image but a ZIP archive. Please send a screenshot as JPG or PNG."},
			{Name: "photo.heic", Reason: "HEIC images are not supported"},
		}
		d.Size, d.Limit = "31.5 MB", "30 MB"
	}
	return d
}

// sampleVars are the operator's values the golden files use for template
// name.
func sampleVars(name, lang string) map[string]string {
	ru := lang != "en"
	pick := func(r, e string) string {
		if ru {
			return r
		}
		return e
	}
	switch name {
	case "request_info":
		return map[string]string{"details": pick("дату и время, когда появилась ошибка", "the date and time when the error appeared")}
	case "instructions_password":
		return map[string]string{"link": "https://help.example.org/password"}
	case "status":
		return map[string]string{"status": "approved", "comment": pick(
			"документы проверены, услуга будет оказана в течение 5 рабочих дней.",
			"the documents have been checked; the service will be provided within 5 working days.")}
	case "resolved":
		return map[string]string{"comment": pick(
			"Мы восстановили доступ к Вашему личному кабинету. Войдите с паролем, который пришёл Вам в СМС, и сразу смените его.",
			"We have restored access to your personal account. Log in with the password sent to you by SMS and change it straight away.")}
	}
	return nil
}

func mustLoad(t testing.TB) *Set {
	t.Helper()
	set, err := Load("", nil)
	if err != nil {
		t.Fatalf("Load() error: %v", err)
	}
	return set
}

// golden compares got with testdata/golden/file, rewriting it with -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", file)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s: got\n%s\nwant\n%s", file, got, want)
	}
}

func TestGolden(t *testing.T) {
	set := mustLoad(t)
	for _, name := range set.Names() {
		for _, lang := range []string{"ru", "en"} {
			t.Run(lang+"/"+name, func(t *testing.T) {
				d := sample(lang)
				d.Vars = sampleVars(name, lang)
				r, err := set.Render(name, lang, d)
				if err != nil {
					t.Fatalf("Render(%s, %s) error: %v", name, lang, err)
				}
				golden(t, lang+"_"+name+".txt", "Subject: "+r.Subject+"\n\n"+r.Text)
				golden(t, lang+"_"+name+".html", r.HTML)
				if !strings.HasPrefix(r.Subject, "[TKT-000123] ") {
					t.Errorf("Render(%s, %s).Subject = %q, want it to start with [TKT-000123]", name, lang, r.Subject)
				}
			})
		}
	}
}

func TestGoldenFilesHaveTemplates(t *testing.T) {
	set := mustLoad(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	for _, f := range files {
		base := filepath.Base(f)
		lang, rest, _ := strings.Cut(base, "_")
		name := strings.TrimSuffix(strings.TrimSuffix(rest, ".txt"), ".html")
		if strings.Join(set.Languages(name), ",") == "" || (lang != "ru" && lang != "en") {
			t.Errorf("golden file %s has no template: delete it", base)
		}
	}
}

func TestShippedNames(t *testing.T) {
	want := "ack,ack_followup,ack_priority,attachments_rejected,instructions_browser,instructions_password,instructions_sms,request_info,resolved,status,too_large"
	if got := strings.Join(mustLoad(t).Names(), ","); got != want {
		t.Errorf("Names() = %s, want %s", got, want)
	}
}

func TestEveryTemplateInBothLanguages(t *testing.T) {
	set := mustLoad(t)
	for _, name := range set.Names() {
		if got := strings.Join(set.Languages(name), ","); got != "en,ru" {
			t.Errorf("Languages(%s) = %s, want en,ru", name, got)
		}
	}
}

func TestFallbackAndUnknown(t *testing.T) {
	set := mustLoad(t)
	r, err := set.Render("ack", "de", sample("ru"))
	if err != nil || !strings.HasPrefix(r.Text, "Здравствуйте") || !strings.Contains(r.HTML, `<html lang="ru">`) {
		t.Errorf("Render(ack, de) = %q, %v; want the Russian letter", r.Text, err)
	}
	r, err = set.Render("ack", "en-GB", sample("en"))
	if err != nil || !strings.HasPrefix(r.Text, "Hello") || !strings.Contains(r.HTML, `<html lang="en">`) {
		t.Errorf("Render(ack, en-GB) = %q, %v; want the English letter", r.Text, err)
	}
	if _, err := set.Render("nope", "ru", sample("ru")); !errors.Is(err, ErrUnknown) {
		t.Errorf("Render(nope) error = %v, want ErrUnknown", err)
	}
}

func TestMissingKeyIsAnError(t *testing.T) {
	set := mustLoad(t)
	if _, err := set.Render("ack", "ru", map[string]any{"Number": "TKT-1"}); err == nil {
		t.Error("Render with missing fields succeeded, want an error")
	}
}

func TestOverrideFolder(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "ru"), 0o755)
	os.WriteFile(filepath.Join(dir, "ru", "ack.tmpl"), []byte(`{{define "subject"}}[{{.Number}}] Принято{{end}}Спасибо, {{.Number}}.`), 0o644)
	set, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.Render("ack", "ru", sample("ru"))
	if err != nil || r.Subject != "[TKT-000123] Принято" || r.Text != "Спасибо, TKT-000123.\n" {
		t.Errorf("override Render = %+v, %v", r, err)
	}
	if r, _ := set.Render("ack", "en", sample("en")); !strings.HasPrefix(r.Text, "Hello") {
		t.Errorf("English ack should stay embedded, got %q", r.Text)
	}
	os.WriteFile(filepath.Join(dir, "ru", "bad.tmpl"), []byte(`{{.Broken`), 0o644)
	if _, err := Load(dir, nil); err == nil || !strings.Contains(err.Error(), "bad.tmpl") {
		t.Errorf("Load with a broken override = %v, want an error naming bad.tmpl", err)
	}
}

func TestStatusLabels(t *testing.T) {
	set := mustLoad(t)
	for _, tc := range []struct{ lang, status, want string }{
		{"ru", "in_progress", "«В обработке»"},
		{"ru", "approved", "«Одобрено»"},
		{"ru", "rejected", "«Отклонено»"},
		{"en", "in_progress", `"In progress"`},
		{"en", "approved", `"Approved"`},
		{"en", "rejected", `"Rejected"`},
	} {
		d := sample(tc.lang)
		d.Vars = map[string]string{"status": tc.status}
		r, err := set.Render("status", tc.lang, d)
		if err != nil || !strings.Contains(r.Text, tc.want) {
			t.Errorf("Render(status, %s, status=%s) = %q, %v; want it to contain %s", tc.lang, tc.status, r.Text, err, tc.want)
		}
	}
}

func TestStatusErrors(t *testing.T) {
	set := mustLoad(t)
	for _, tc := range []struct {
		name string
		data any
		want []string // substrings of the error
	}{
		{"missing", Data{Number: "TKT-1"}, []string{`"status"`, "in_progress, approved or rejected"}},
		{"unknown value", Data{Number: "TKT-1", Vars: map[string]string{"status": "done"}}, []string{`"status"`, `"done"`, "in_progress, approved or rejected"}},
		// Render checks only a Data or *Data; the template still refuses.
		{"unknown value without Check", struct{ Data }{Data{Number: "TKT-1", Vars: map[string]string{"status": "done"}}},
			[]string{`"status"`, `"done"`, "in_progress, approved or rejected"}},
	} {
		_, err := set.Render("status", "ru", tc.data)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: Render(status) error = %v, want it to contain %s", tc.name, err, w)
			}
		}
	}
}

func TestStatusApplicationNumber(t *testing.T) {
	set := mustLoad(t)
	for _, tc := range []struct {
		stored, given, want, wantNot string
	}{
		{"4521-77", "", "заявки № 4521-77:", ""},
		{"4521-77", "9000-01", "заявки № 9000-01:", "4521-77"},
		{"", "", "Статус Вашей заявки: «Одобрено»", "№"},
	} {
		d := sample("ru")
		d.ApplicationNumber = tc.stored
		d.Vars = map[string]string{"status": "approved", "application": tc.given}
		r, err := set.Render("status", "ru", d)
		if err != nil || !strings.Contains(r.Text, tc.want) || (tc.wantNot != "" && strings.Contains(r.Text, tc.wantNot)) {
			t.Errorf("Render(status, stored %q, application=%q) = %q, %v; want %q and not %q", tc.stored, tc.given, r.Text, err, tc.want, tc.wantNot)
		}
	}
}

func TestOptionalVariables(t *testing.T) {
	set := mustLoad(t)
	for _, tc := range []struct {
		name, lang string
		missing    []string
		vars       map[string]string
		want       string
	}{
		{"instructions_password", "ru", nil, nil, "Подробная инструкция есть в разделе «Помощь» на сайте."},
		{"instructions_password", "en", nil, nil, "Detailed instructions are in the Help section of the website."},
		{"instructions_password", "ru", nil, map[string]string{"link": "https://help.example.org/p"}, "Подробная инструкция: https://help.example.org/p\n"},
		{"request_info", "ru", nil, nil, "  - подробное описание проблемы"},
		{"request_info", "en", nil, nil, "  - a detailed description of the problem"},
		{"request_info", "ru", []string{"account_number"}, nil, "сообщите в ответном письме:\n  - номер личного кабинета, если он Вам известен\n\nПароли"},
		{"request_info", "ru", nil, map[string]string{"details": "серию и номер полиса"}, "письме:\n  - серию и номер полиса\n\nПароли"},
		{"resolved", "ru", nil, nil, "решён.\n\nЕсли проблема сохраняется"},
		{"status", "ru", nil, map[string]string{"status": "in_progress"}, "«В обработке».\n\nЕсли у Вас остались вопросы"},
		{"status", "ru", nil, map[string]string{"status": "rejected"}, "Если Вы не согласны с решением"},
	} {
		d := sample(tc.lang)
		d.Missing, d.Vars = tc.missing, tc.vars
		r, err := set.Render(tc.name, tc.lang, d)
		if err != nil || !strings.Contains(r.Text, tc.want) {
			t.Errorf("Render(%s, %s, %v, %v) = %q, %v; want it to contain %q", tc.name, tc.lang, tc.missing, tc.vars, r.Text, err, tc.want)
		}
	}
}

func TestOperatorSignature(t *testing.T) {
	set := mustLoad(t)
	sign := map[string][2]string{
		"ru": {"Оператор службы поддержки: Петрова Анна", "С уважением,\nСлужба поддержки\n"},
		"en": {"Support operator: Anna Petrova", "Kind regards,\nSupport service\n"},
	}
	for _, tpl := range set.Catalog() {
		if tpl.Automatic {
			continue
		}
		for lang, want := range sign {
			d := sample(lang)
			d.Vars = sampleVars(tpl.Name, lang)
			r, err := set.Render(tpl.Name, lang, d)
			if err != nil || !strings.HasSuffix(r.Text, want[0]+"\n") {
				t.Errorf("Render(%s, %s) with an operator = %q, %v; want it to end with %q", tpl.Name, lang, r.Text, err, want[0])
			}
			d.Operator = ""
			r, err = set.Render(tpl.Name, lang, d)
			if err != nil || !strings.HasSuffix(r.Text, want[1]) {
				t.Errorf("Render(%s, %s) without an operator = %q, %v; want it to end with %q", tpl.Name, lang, r.Text, err, want[1])
			}
		}
	}
}

// TestScreenshotsWithPersonalDataHidden: wherever a letter asks for
// screenshots, it reminds the citizen to hide personal data on them.
func TestScreenshotsWithPersonalDataHidden(t *testing.T) {
	set := mustLoad(t)
	words := map[string][2]string{"ru": {"скриншот", "личные данные"}, "en": {"screenshot", "personal data"}}
	for _, name := range set.Names() {
		for lang, w := range words {
			d := sample(lang)
			d.Vars = sampleVars(name, lang)
			r, err := set.Render(name, lang, d)
			if err != nil {
				t.Fatalf("Render(%s, %s) error: %v", name, lang, err)
			}
			text := strings.ToLower(r.Text)
			if strings.Contains(text, w[0]) && !strings.Contains(text, w[1]) {
				t.Errorf("Render(%s, %s) asks for a %s without saying to hide %s:\n%s", name, lang, w[0], w[1], r.Text)
			}
		}
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int
		want int
	}{
		{"ru", 1, 0}, {"ru", 21, 0}, {"ru", 101, 0}, {"ru", 11, 2},
		{"ru", 2, 1}, {"ru", 24, 1}, {"ru", 12, 2}, {"ru", 14, 2},
		{"ru", 0, 2}, {"ru", 5, 2}, {"ru", 48, 2}, {"ru", 112, 2},
		{"en", 1, 0}, {"en", 0, 1}, {"en", 12, 1}, {"en", 21, 1},
	} {
		if got := pluralForm(tc.lang, tc.n); got != tc.want {
			t.Errorf("pluralForm(%s, %d) = %d, want %d", tc.lang, tc.n, got, tc.want)
		}
	}
}

func TestHoursInWords(t *testing.T) {
	set := mustLoad(t)
	for _, tc := range []struct {
		lang  string
		hours int
		want  string
	}{
		{"ru", 24, "(в течение 24 часов)"},
		{"ru", 21, "(в течение 21 часа)"},
		{"en", 1, "(within 1 hour)"},
		{"en", 12, "(within 12 hours)"},
	} {
		d := sample(tc.lang)
		d.Hours = tc.hours
		r, err := set.Render("ack", tc.lang, d)
		if err != nil || !strings.Contains(r.Text, tc.want) {
			t.Errorf("Render(ack, %s, Hours %d) = %q, %v; want %s", tc.lang, tc.hours, r.Text, err, tc.want)
		}
	}
}

func TestFileString(t *testing.T) {
	for _, tc := range []struct {
		f    File
		want string
	}{
		{File{"a.zip", "Файл «a.zip» — это архив."}, "Файл «a.zip» — это архив."},
		{File{"a.zip", "это архив"}, "a.zip: это архив"},
		{File{"a.zip", ""}, "a.zip"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.f, got, tc.want)
		}
	}
}

// TestStatusAutomatic is the status letter the daemon sends by itself (no
// operator): it says so, and why it went to this address.
func TestStatusAutomatic(t *testing.T) {
	set := mustLoad(t)
	for _, tc := range []struct{ lang, want string }{
		{"ru", `Здравствуйте, Иванов Иван!

Отвечаем на Ваше обращение TKT-000123.
Статус Вашей заявки № 2026-004512: «В обработке».

Если у Вас остались вопросы, ответьте на это письмо, сохранив номер TKT-000123 в теме.

Это письмо отправлено автоматически. Статус заявки мы сообщаем только на адрес электронной почты, указанный в ней.

С уважением,
Служба поддержки
`},
		{"en", `Hello, Ivan Ivanov,

This is an answer to your request TKT-000123.
Your application No. 2026-004512 has the status "In progress".

If you have any questions, reply to this letter keeping TKT-000123 in the subject.

This letter was sent automatically. We tell the status of an application only to the e-mail address given in it.

Kind regards,
Support service
`},
	} {
		d := sample(tc.lang)
		d.Operator = ""
		d.Vars = map[string]string{"status": "in_progress", "application": "2026-004512"}
		r, err := set.Render("status", tc.lang, d)
		if err != nil || r.Text != tc.want {
			t.Errorf("Render(status, %s) without an operator = %v\n%s\nwant\n%s", tc.lang, err, r.Text, tc.want)
		}
	}
}
