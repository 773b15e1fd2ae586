package console

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/templates"
)

// keysT is a translator that knows two labels and otherwise shows the
// key and its arguments, so tests see which message a form chose.
func keysT(key string, args ...any) string {
	known := map[string]string{"var.status": "Статус", "value.status.rejected": "отклонено"}
	if m, ok := known[key]; ok {
		return m
	}
	if len(args) == 0 {
		return key
	}
	return key + fmt.Sprintf("%q", args)
}

func loadTemplates(t *testing.T) *templates.Set {
	t.Helper()
	set, err := templates.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestReplyForm(t *testing.T) {
	set := loadTemplates(t)
	tests := []struct {
		name     string
		template string
		vars     map[string]string
		fields   []string // Input of each field
		problems []string
		ready    bool
		sendVars map[string]string
	}{
		{name: "no template chosen", ready: false, sendVars: map[string]string{}},
		{name: "template without variables", template: "instructions_sms", ready: true, sendVars: map[string]string{}},
		{name: "required variable missing is named", template: "status", vars: map[string]string{"comment": "x"},
			fields: []string{"var.status", "var.application", "var.comment"}, problems: []string{`reply.missing["Статус" "status"]`},
			sendVars: map[string]string{"comment": "x"}},
		{name: "value outside the list", template: "status", vars: map[string]string{"status": "maybe"},
			fields: []string{"var.status", "var.application", "var.comment"}, problems: []string{`reply.invalid["Статус" "status"]`},
			sendVars: map[string]string{"status": "maybe"}},
		{name: "filled in", template: "status", vars: map[string]string{"status": "approved", "application": " 12-34 "},
			fields: []string{"var.status", "var.application", "var.comment"}, ready: true,
			sendVars: map[string]string{"status": "approved", "application": "12-34"}},
		{name: "another template's values are dropped", template: "request_info", vars: map[string]string{"status": "approved", "details": "паспорт"},
			fields: []string{"var.details"}, ready: true, sendVars: map[string]string{"details": "паспорт"}},
		{name: "automatic template refused", template: "ack", problems: []string{"reply.no_template"}, sendVars: map[string]string{}},
		{name: "unknown template refused", template: "nope", problems: []string{"reply.no_template"}, sendVars: map[string]string{}},
		{name: "too long", template: "request_info", vars: map[string]string{"details": strings.Repeat("a", maxVarLength+1)},
			fields: []string{"var.details"}, problems: []string{`reply.too_long["details" "details"]`},
			sendVars: map[string]string{"details": strings.Repeat("a", maxVarLength+1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newReplyForm(set, tc.template, tc.vars, 7, "ru", keysT)
			var fields []string
			for _, fd := range f.Fields {
				fields = append(fields, fd.Input)
			}
			if !reflect.DeepEqual(fields, tc.fields) {
				t.Errorf("fields = %q, want %q", fields, tc.fields)
			}
			if !reflect.DeepEqual(f.Problems, tc.problems) {
				t.Errorf("Problems = %q, want %q", f.Problems, tc.problems)
			}
			if f.Ready() != tc.ready {
				t.Errorf("Ready() = %v, want %v", f.Ready(), tc.ready)
			}
			if got := f.Vars(); !reflect.DeepEqual(got, tc.sendVars) {
				t.Errorf("Vars() = %q, want %q", got, tc.sendVars)
			}
			if f.Version != 7 {
				t.Errorf("Version = %d, want 7", f.Version)
			}
			for _, c := range f.Templates {
				if d, _ := set.Describe(c.Name); d.Automatic {
					t.Errorf("automatic template %q offered", c.Name)
				}
			}
			if tc.ready {
				if err := set.Check(f.Template, f.Vars()); err != nil {
					t.Errorf("Check(%q, %q) = %v for a ready form", f.Template, f.Vars(), err)
				}
			}
		})
	}
}

func TestReplyFormFields(t *testing.T) {
	f := newReplyForm(loadTemplates(t), "status", map[string]string{"status": "rejected"}, 1, "ru", keysT)
	st := f.Fields[0]
	if st.Name != "status" || !st.Required || st.Multiline || len(st.Options) != 3 || st.Label != "Статус" {
		t.Errorf("status field = %+v, want a required select of 3 labelled Статус", st)
	}
	if !st.Options[2].Selected || st.Options[2].Label != "отклонено" || st.Options[1].Label != "approved" {
		t.Errorf("status options = %+v, want rejected selected", st.Options)
	}
	if c := f.Fields[2]; c.Name != "comment" || !c.Multiline {
		t.Errorf("comment field = %+v, want a textarea", c)
	}
}

func TestFormVars(t *testing.T) {
	form := url.Values{"var.details": {"a\r\nb"}, "var.": {"x"}, "template": {"request_info"}, "version": {"3"}}
	want := map[string]string{"details": "a\nb", "": "x"}
	if got := formVars(form); !reflect.DeepEqual(got, want) {
		t.Errorf("formVars(%v) = %q, want %q", form, got, want)
	}
}

func TestReplyFormTemplateLabels(t *testing.T) {
	set := loadTemplates(t)
	for _, tc := range []struct {
		lang, label, description string
	}{
		{"ru", "Статус заявления — Сообщить, что заявление в работе, одобрено или отклонено",
			"Сообщить, что заявление в работе, одобрено или отклонено"},
		{"en", "Application status — Tells the citizen their application is in progress, approved or rejected",
			"Tells the citizen their application is in progress, approved or rejected"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			f := newReplyForm(set, "status", nil, 1, tc.lang, keysT)
			var label string
			for _, c := range f.Templates {
				if c.Name == "status" {
					label = c.Label()
				}
			}
			if label != tc.label {
				t.Errorf("status choice in %s = %q, want %q", tc.lang, label, tc.label)
			}
			if f.Description != tc.description {
				t.Errorf("Description in %s = %q, want %q", tc.lang, f.Description, tc.description)
			}
		})
	}
	if got := (templateChoice{Name: "x", Title: "x"}).Label(); got != "x" {
		t.Errorf("Label() without a description = %q, want the title alone", got)
	}
}
