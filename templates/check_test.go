package templates

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	set := mustLoad(t)
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string // the error, "" for none
	}{
		{"status", map[string]string{"status": "in_progress"}, ""},
		{"status", map[string]string{"status": "approved", "application": "4521-77", "comment": "готово"}, ""},
		{"status", map[string]string{"status": " rejected "}, ""},
		{"status", nil, `templates: status: missing required variable "status" (want in_progress, approved or rejected)`},
		{"status", map[string]string{"status": "  "}, `templates: status: missing required variable "status" (want in_progress, approved or rejected)`},
		{"status", map[string]string{"status": "done"}, `templates: status: variable "status" is "done", want in_progress, approved or rejected`},
		{"status", map[string]string{"status": "Approved"}, `templates: status: variable "status" is "Approved", want in_progress, approved or rejected`},
		{"status", map[string]string{"status": "approved", "coment": "x"}, `templates: status: unknown variable "coment" (the template takes status, application or comment)`},
		{"status", map[string]string{"zz": "", "aa": "1"}, `templates: status: missing required variable "status" (want in_progress, approved or rejected)` + "\n" +
			`templates: status: unknown variable "aa" (the template takes status, application or comment)` + "\n" +
			`templates: status: unknown variable "zz" (the template takes status, application or comment)`},
		{"resolved", nil, ""},
		{"resolved", map[string]string{"comment": ""}, ""},
		{"resolved", map[string]string{"details": "x"}, `templates: resolved: unknown variable "details" (the template takes comment)`},
		{"request_info", map[string]string{"details": "дату и время ошибки"}, ""},
		{"instructions_password", map[string]string{"link": "https://help.example.org/p"}, ""},
		{"instructions_password", map[string]string{"url": "https://help.example.org/p"}, `templates: instructions_password: unknown variable "url" (the template takes link)`},
		{"instructions_sms", map[string]string{}, ""},
		{"ack", map[string]string{"x": "1"}, `templates: ack: unknown variable "x" (the template takes none)`},
		{"nope", nil, `templates: unknown template "nope"`},
	} {
		err := set.Check(tc.name, tc.vars)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("Check(%s, %v) = %q, want %q", tc.name, tc.vars, got, tc.want)
		}
	}
}

func TestCheckUnknownIsErrUnknown(t *testing.T) {
	if err := mustLoad(t).Check("nope", nil); !errors.Is(err, ErrUnknown) {
		t.Errorf("Check(nope) = %v, want ErrUnknown", err)
	}
}

func TestRenderChecksVars(t *testing.T) {
	set := mustLoad(t)
	d := sample("ru")
	d.Vars = map[string]string{"coment": "x"}
	want := `templates: resolved: unknown variable "coment" (the template takes comment)`
	if _, err := set.Render("resolved", "ru", d); err == nil || err.Error() != want {
		t.Errorf("Render(resolved, coment) = %v, want %s", err, want)
	}
	if _, err := set.Render("resolved", "ru", &d); err == nil || err.Error() != want {
		t.Errorf("Render(resolved, &Data with coment) = %v, want %s", err, want)
	}
}

func TestOrList(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a or b"},
		{[]string{"a", "b", "c"}, "a, b or c"},
	} {
		if got := orList(tc.in); got != tc.want {
			t.Errorf("orList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
