package templates

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestCatalog(t *testing.T) {
	set := mustLoad(t)
	cat := set.Catalog()
	var names, automatic []string
	for _, tpl := range cat {
		names = append(names, tpl.Name)
		if tpl.Automatic {
			automatic = append(automatic, tpl.Name)
		}
		if tpl.Description == "" {
			t.Errorf("Catalog()[%s].Description is empty", tpl.Name)
		}
		// The console shows each template by its title and description in
		// the page's language: Russian ones must be there, not the English.
		for _, lang := range []string{"en", "ru"} {
			if tpl.Titles[lang] == "" || tpl.Descriptions[lang] == "" {
				t.Errorf("Catalog()[%s] has no title or description in %s: %q, %q", tpl.Name, lang, tpl.Titles, tpl.Descriptions)
			}
		}
		if title, desc := tpl.TitleIn("ru"), tpl.DescriptionIn("ru"); !cyrillic(title) || !cyrillic(desc) {
			t.Errorf("Catalog()[%s] in ru = %q — %q, want Russian", tpl.Name, title, desc)
		}
		if tpl.Title != tpl.Titles["en"] || tpl.Description != tpl.Descriptions["en"] {
			t.Errorf("Catalog()[%s] Title, Description = %q, %q, want the English texts", tpl.Name, tpl.Title, tpl.Description)
		}
		if got := strings.Join(tpl.Languages, ","); got != "en,ru" {
			t.Errorf("Catalog()[%s].Languages = %s, want en,ru", tpl.Name, got)
		}
		if tpl.Variables == nil {
			t.Errorf("Catalog()[%s].Variables = nil, want a slice (JSON [])", tpl.Name)
		}
	}
	if got, want := strings.Join(names, ","), strings.Join(set.Names(), ","); got != want {
		t.Errorf("Catalog() names = %s, want Names() = %s", got, want)
	}
	if got, want := strings.Join(automatic, ","), "ack,ack_followup,ack_priority,attachments_rejected,too_large"; got != want {
		t.Errorf("Catalog() automatic = %s, want %s", got, want)
	}
}

// cyrillic reports whether s has a Cyrillic letter.
func cyrillic(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) })
}

func TestCatalogTexts(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		// what TitleIn and DescriptionIn give in ru, en and de
		title, desc [3]string
	}{
		{"plain strings are English, as catalogs always were",
			`description = "What it is for"`,
			[3]string{}, [3]string{"What it is for", "What it is for", "What it is for"}},
		{"a text per language",
			"title.en = \"Status\"\ntitle.ru = \"Статус\"\ndescription.en = \"Of the application\"\ndescription.ru = \"Заявления\"",
			[3]string{"Статус", "Status", "Status"}, [3]string{"Заявления", "Of the application", "Of the application"}},
		{"inline tables",
			`title = { ru = "Статус" }` + "\n" + `description = { en = "Of the application", ru = "Заявления" }`,
			[3]string{"Статус", "Статус", "Статус"}, [3]string{"Заявления", "Of the application", "Of the application"}},
		{"a plain English title with texts per language",
			"title = \"Status\"\ndescription.ru = \"Заявления\"\ndescription.en = \"Of the application\"",
			[3]string{"Status", "Status", "Status"}, [3]string{"Заявления", "Of the application", "Of the application"}},
		{"only Russian",
			"description.ru = \"Заявления\"",
			[3]string{}, [3]string{"Заявления", "Заявления", "Заявления"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"catalog.toml": "[status]\n" + tc.toml + "\n"})
			set, err := Load(dir, nil)
			if err != nil {
				t.Fatalf("Load(%q) error: %v", tc.toml, err)
			}
			tpl, _ := set.Describe("status")
			for i, lang := range []string{"ru", "en", "de"} {
				if got := tpl.TitleIn(lang); got != tc.title[i] {
					t.Errorf("TitleIn(%s) = %q, want %q", lang, got, tc.title[i])
				}
				if got := tpl.DescriptionIn(lang); got != tc.desc[i] {
					t.Errorf("DescriptionIn(%s) = %q, want %q", lang, got, tc.desc[i])
				}
			}
			if tpl.Title != tc.title[1] || tpl.Description != tc.desc[1] {
				t.Errorf("Title, Description = %q, %q, want the English %q, %q", tpl.Title, tpl.Description, tc.title[1], tc.desc[1])
			}
		})
	}
}

func TestCatalogVariables(t *testing.T) {
	set := mustLoad(t)
	got := map[string]string{}
	for _, tpl := range set.Catalog() {
		b, err := json.Marshal(tpl.Variables)
		if err != nil {
			t.Fatal(err)
		}
		got[tpl.Name] = string(b)
	}
	for _, tc := range []struct{ name, want string }{
		{"ack", `[]`},
		{"request_info", `[{"name":"details","required":false}]`},
		{"instructions_password", `[{"name":"link","required":false}]`},
		{"instructions_sms", `[]`},
		{"instructions_browser", `[]`},
		{"status", `[{"name":"status","required":true,"values":["in_progress","approved","rejected"]},{"name":"application","required":false},{"name":"comment","required":false}]`},
		{"resolved", `[{"name":"comment","required":false}]`},
	} {
		if got[tc.name] != tc.want {
			t.Errorf("Catalog()[%s].Variables = %s, want %s", tc.name, got[tc.name], tc.want)
		}
	}
}

func TestCatalogReturnsCopies(t *testing.T) {
	set := mustLoad(t)
	for _, tpl := range set.Catalog() {
		if tpl.Name == "status" {
			tpl.Variables[0].Values[0] = "changed"
			tpl.Variables[0].Required = false
		}
	}
	if err := set.Check("status", map[string]string{"status": "in_progress"}); err != nil {
		t.Errorf("Check after changing Catalog()'s result = %v, want nil", err)
	}
}

func TestTemplateJSON(t *testing.T) {
	b, err := json.Marshal(Template{Name: "x", Description: "d", Variables: []Variable{{Name: "v"}}, Languages: []string{"ru"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"x","description":"d","variables":[{"name":"v","required":false}],"languages":["ru"],"automatic":false}`
	if string(b) != want {
		t.Errorf("json.Marshal(Template) = %s, want %s", b, want)
	}
	b, err = json.Marshal(Template{Name: "x", Title: "T", Description: "d", Titles: map[string]string{"en": "T", "ru": "Т"},
		Descriptions: map[string]string{"en": "d", "ru": "о"}, Variables: []Variable{}, Languages: []string{"ru"}})
	if err != nil {
		t.Fatal(err)
	}
	want = `{"name":"x","title":"T","description":"d","titles":{"en":"T","ru":"Т"},"descriptions":{"en":"d","ru":"о"},"variables":[],"languages":["ru"],"automatic":false}`
	if string(b) != want {
		t.Errorf("json.Marshal(Template with titles) = %s, want %s", b, want)
	}
}

// writeFiles lays files out under dir: path → content.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const extraTmpl = `{{define "subject"}}[{{.Number}}] Extra{{end}}Extra {{.Number}}`

func TestLoadRefusesDrift(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		file  string   // the file the error must name, under the override folder
		want  []string // more substrings of the error
	}{
		{"template without entry", map[string]string{"ru/extra.tmpl": extraTmpl},
			"ru/extra.tmpl", []string{"no [extra] entry in catalog.toml"}},
		{"English template without entry", map[string]string{"en/extra.tmpl": extraTmpl},
			"en/extra.tmpl", []string{"no [extra] entry"}},
		{"entry without template", map[string]string{"catalog.toml": "[orphan]\ndescription = \"x\"\n"},
			"catalog.toml", []string{"[orphan]", "no template ru/orphan.tmpl"}},
		{"entry with only an English template", map[string]string{
			"catalog.toml": "[extra]\ndescription = \"x\"\n", "en/extra.tmpl": extraTmpl},
			"catalog.toml", []string{"[extra]", "no template ru/extra.tmpl"}},
		{"broken TOML", map[string]string{"catalog.toml": "[extra\n"},
			"catalog.toml", nil},
		{"misspelt key", map[string]string{"catalog.toml": "[status]\ndescripton = \"x\"\n"},
			"catalog.toml", []string{`"status.descripton"`}},
		{"misspelt variable key", map[string]string{"catalog.toml": "[status]\ndescription = \"x\"\nvariables = [{ name = \"status\", require = true }]\n"},
			"catalog.toml", []string{"require"}},
		{"no description", map[string]string{"catalog.toml": "[status]\nautomatic = false\n"},
			"catalog.toml", []string{"[status]", "no description"}},
		{"empty description", map[string]string{"catalog.toml": "[status]\ndescription = \" \"\n"},
			"catalog.toml", []string{"[status]", "no description"}},
		{"empty description in one language", map[string]string{"catalog.toml": "[status]\ndescription.en = \"x\"\ndescription.ru = \"\"\n"},
			"catalog.toml", []string{"[status]", "description.ru is empty"}},
		{"empty title", map[string]string{"catalog.toml": "[status]\ndescription = \"x\"\ntitle.ru = \"\"\n"},
			"catalog.toml", []string{"[status]", "title.ru is empty"}},
		{"not a language", map[string]string{"catalog.toml": "[status]\ndescription.russian = \"x\"\n"},
			"catalog.toml", []string{`"russian" is not a language`}},
		{"a title that is not text", map[string]string{"catalog.toml": "[status]\ndescription = \"x\"\ntitle = 5\n"},
			"catalog.toml", []string{"want a string or a table"}},
		{"a title in a language that is not text", map[string]string{"catalog.toml": "[status]\ndescription = \"x\"\ntitle.ru = 5\n"},
			"catalog.toml", []string{"ru: want a string"}},
		{"bad variable name", map[string]string{"catalog.toml": "[status]\ndescription = \"x\"\nvariables = [{ name = \"Status Code\" }]\n"},
			"catalog.toml", []string{"[status]", `"Status Code"`}},
		{"variable twice", map[string]string{"catalog.toml": "[status]\ndescription = \"x\"\nvariables = [{ name = \"a\" }, { name = \"a\" }]\n"},
			"catalog.toml", []string{"[status]", `variable "a" listed twice`}},
		{"value twice", map[string]string{"catalog.toml": "[status]\ndescription = \"x\"\nvariables = [{ name = \"a\", values = [\"x\", \"x\"] }]\n"},
			"catalog.toml", []string{"[status]", `variable "a": a value listed twice`}},
		{"empty value", map[string]string{"catalog.toml": "[status]\ndescription = \"x\"\nvariables = [{ name = \"a\", values = [\"x\", \" \"] }]\n"},
			"catalog.toml", []string{"[status]", `variable "a": empty value`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			_, err := Load(dir, nil)
			for _, w := range append([]string{filepath.Join(dir, filepath.FromSlash(tc.file)) + ": "}, tc.want...) {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Load(%v) = %v, want an error containing %q", tc.files, err, w)
				}
			}
		})
	}
}

func TestCatalogOverride(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"ru/extra.tmpl": extraTmpl,
		"en/extra.tmpl": extraTmpl,
		"catalog.toml": `
[extra]
description = "A template of the operators' own"
variables = [ { name = "note", required = true } ]

[resolved]
description = "Resolved, as this office words it"
`,
	})
	set, err := Load(dir, nil)
	if err != nil {
		t.Fatalf("Load(override) error: %v", err)
	}
	var extra, resolved Template
	for _, tpl := range set.Catalog() {
		switch tpl.Name {
		case "extra":
			extra = tpl
		case "resolved":
			resolved = tpl
		}
	}
	if extra.Description != "A template of the operators' own" || len(extra.Variables) != 1 || !slices.Equal(extra.Languages, []string{"en", "ru"}) {
		t.Errorf("Catalog()[extra] = %+v, want the override's entry in en and ru", extra)
	}
	if resolved.Description != "Resolved, as this office words it" || len(resolved.Variables) != 0 {
		t.Errorf("Catalog()[resolved] = %+v, want the override's entry replacing the embedded one", resolved)
	}
	if err := set.Check("extra", nil); err == nil || !strings.Contains(err.Error(), `"note"`) {
		t.Errorf("Check(extra, nil) = %v, want the missing note named", err)
	}
	if err := set.Check("resolved", map[string]string{"comment": "x"}); err == nil {
		t.Error("Check(resolved, comment) = nil, want an error: the override's entry takes no variables")
	}
	if r, err := set.Render("extra", "ru", Data{Number: "TKT-7", Vars: map[string]string{"note": "n"}}); err != nil || r.Text != "Extra TKT-7\n" {
		t.Errorf("Render(extra) = %+v, %v", r, err)
	}
}
