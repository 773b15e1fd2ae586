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

func sample() Data {
	recv := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	return Data{
		Number: "TKT-000123", Subject: "Не могу войти в личный кабинет", CitizenName: "Иванов Иван",
		Received: recv, Due: recv.Add(12 * time.Hour), Hours: 12,
		Missing:  []string{"account_number", "screenshot"},
		Accepted: 1,
		Rejected: []File{{Name: "scan.png", Reason: "это архив ZIP, а не изображение"}},
		Size:     "31,5 МБ", Limit: "30 МБ",
	}
}

func TestGolden(t *testing.T) {
	set, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range set.Names() {
		for _, lang := range []string{"ru", "en"} {
			t.Run(lang+"/"+name, func(t *testing.T) {
				r, err := set.Render(name, lang, sample())
				if err != nil {
					t.Fatalf("Render(%s, %s) error: %v", name, lang, err)
				}
				got := "Subject: " + r.Subject + "\n\n" + r.Text
				golden := filepath.Join("testdata", "golden", lang+"_"+name+".txt")
				if *update {
					os.WriteFile(golden, []byte(got), 0o644)
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("read golden (run go test -update): %v", err)
				}
				if got != string(want) {
					t.Errorf("Render(%s, %s) =\n%s\nwant\n%s", name, lang, got, want)
				}
				if !strings.Contains(r.Subject, "[TKT-000123]") {
					t.Errorf("subject %q lacks the ticket tag", r.Subject)
				}
			})
		}
	}
}

func TestEveryTemplateInBothLanguages(t *testing.T) {
	set, _ := Load("", nil)
	for _, name := range set.Names() {
		if got := strings.Join(set.Languages(name), ","); got != "en,ru" {
			t.Errorf("Languages(%s) = %s, want en,ru", name, got)
		}
	}
}

func TestFallbackAndUnknown(t *testing.T) {
	set, _ := Load("", nil)
	r, err := set.Render("ack", "de", sample())
	if err != nil || !strings.HasPrefix(r.Text, "Здравствуйте") {
		t.Errorf("Render(ack, de) = %q, %v; want the Russian letter", r.Text, err)
	}
	if _, err := set.Render("nope", "ru", sample()); !errors.Is(err, ErrUnknown) {
		t.Errorf("Render(nope) error = %v, want ErrUnknown", err)
	}
}

func TestMissingKeyIsAnError(t *testing.T) {
	set, _ := Load("", nil)
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
	r, err := set.Render("ack", "ru", sample())
	if err != nil || r.Subject != "[TKT-000123] Принято" || r.Text != "Спасибо, TKT-000123.\n" {
		t.Errorf("override Render = %+v, %v", r, err)
	}
	if r, _ := set.Render("ack", "en", sample()); !strings.HasPrefix(r.Text, "Hello") {
		t.Errorf("English ack should stay embedded, got %q", r.Text)
	}
	os.WriteFile(filepath.Join(dir, "ru", "bad.tmpl"), []byte(`{{.Broken`), 0o644)
	if _, err := Load(dir, nil); err == nil || !strings.Contains(err.Error(), "bad.tmpl") {
		t.Errorf("Load with a broken override = %v, want an error naming bad.tmpl", err)
	}
}
