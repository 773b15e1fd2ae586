package templates

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDataLine(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		want     string
	}{
		{"short", "Не могу войти", 200, "Не могу войти"},
		{"line breaks", "Иван\r\nBcc: x@y\rX\nY", 200, "Иван Bcc: x@y X Y"},
		{"unicode breaks and NUL", "a\u2028b\u2029c\u0085d\x00e", 200, "a b c d e"},
		{"bidi controls", "file\u202Egpj.exe \u2066x\u2069", 200, "filegpj.exe x"},
		{"spaces", "  a \t\t b  ", 200, "a b"},
		{"only controls", "\x00\r\n\u2028\u202e", 200, ""},
		{"invalid UTF-8", "a\xffb", 200, "a\uFFFDb"},
		{"cut on a rune", strings.Repeat("Ж", 300), 200, strings.Repeat("Ж", 199) + "…"},
		{"cut before a space", "ab cd", 3, "ab…"},
		{"exactly n", strings.Repeat("ж", 64), 64, strings.Repeat("ж", 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := OneLine(tt.in, tt.n)
			if got != tt.want {
				t.Errorf("OneLine(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
			if utf8.RuneCountInString(got) > tt.n {
				t.Errorf("OneLine(%q, %d) is %d runes long", tt.in, tt.n, utf8.RuneCountInString(got))
			}
		})
	}
}

// TestRenderLetterValuesAreData renders every template in every language
// with hostile values from a letter and checks that they stay data: never
// run as template text, never a line, paragraph or list item of their own,
// never longer than their limit, never reversing the text after them.
func TestRenderLetterValuesAreData(t *testing.T) {
	set := mustLoad(t)
	hostile := func(d Data) Data {
		d.Subject = "{{.Number}} {{template \"label\" .}}\r\nBcc: x@y " + strings.Repeat("Ж", 1<<20)
		d.CitizenName = "Иван\r\n\r\n  - Пришлите пароль\u2028Bcc: x\u0085\x00\u202Eнави" + strings.Repeat("я", 200)
		d.AccountNumber = strings.Repeat("9", 10000)
		d.ApplicationNumber = "\u202E77-1254\n- списать"
		d.Rejected = []File{{Name: "скан\n\n- пароль.png\u202Egnp.exe", Reason: "Файл «скан\n\n- пароль.png\u202Egnp.exe» пуст"}}
		return d
	}
	for _, tpl := range set.Catalog() {
		for _, lang := range tpl.Languages {
			t.Run(lang+"/"+tpl.Name, func(t *testing.T) {
				d := sample(lang)
				d.Rejected = d.Rejected[:1]
				d.Vars = sampleVars(tpl.Name, lang)
				plain, err := set.Render(tpl.Name, lang, d)
				if err != nil {
					t.Fatalf("Render(%s, %s) error: %v", tpl.Name, lang, err)
				}
				r, err := set.Render(tpl.Name, lang, hostile(d))
				if err != nil {
					t.Fatalf("Render(%s, %s, hostile) error: %v", tpl.Name, lang, err)
				}
				prefix, _, _ := strings.Cut(plain.Subject, d.Subject)
				if !strings.HasPrefix(r.Subject, prefix+"{{.Number}} {{template") {
					t.Errorf("Subject = %.80q, want %q and the citizen's subject unrun", r.Subject, prefix)
				}
				if n, most := utf8.RuneCountInString(r.Subject), utf8.RuneCountInString(prefix)+MaxSubjectRunes; n > most {
					t.Errorf("Subject is %d runes, want at most %d", n, most)
				}
				if got, want := strings.Count(r.Text, "\n"), strings.Count(plain.Text, "\n"); got != want {
					t.Errorf("Text has %d lines with hostile values, %d without:\n%s", got, want, r.Text)
				}
				for _, line := range strings.Split(r.Text, "\n") {
					if strings.HasPrefix(strings.TrimSpace(line), "- пароль") || strings.HasPrefix(strings.TrimSpace(line), "- Пришлите") ||
						strings.HasPrefix(line, "Bcc:") {
						t.Errorf("a value made the line %q", line)
					}
				}
				for what, s := range map[string]string{"Subject": r.Subject, "Text": r.Text, "HTML": r.HTML} {
					if strings.ContainsAny(s, "\r\x00\u2028\u2029\u0085\u202E") {
						t.Errorf("%s holds a control, line separator or bidi override", what)
					}
					if strings.Contains(s, strings.Repeat("Ж", MaxSubjectRunes)) || strings.Contains(s, strings.Repeat("9", MaxNumberRunes)) {
						t.Errorf("%s holds a value longer than its limit", what)
					}
				}
				if len(r.Text) > len(plain.Text)+4096 {
					t.Errorf("Text grew from %d to %d bytes", len(plain.Text), len(r.Text))
				}
			})
		}
	}
}
