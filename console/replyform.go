package console

import (
	"net/url"
	"slices"
	"strings"

	"github.com/ticketd/ticketd/templates"
)

// varPrefix prefixes a template variable's form field: var.details.
const varPrefix = "var."

// maxVarLength is the most bytes one variable's value may have.
const maxVarLength = 8 << 10

// replyForm is the reply form of a ticket page, built from the template
// catalog (templates.Set.Catalog): the templates an operator may send, the
// chosen one's variables with the values given, and what keeps it from
// being sent.
type replyForm struct {
	Templates []templateChoice
	Template  string // the chosen template; "" before one is chosen
	// Description is what the chosen template is for, from the catalog,
	// in the page's language.
	Description string
	Fields      []replyField
	// Problems say why the reply cannot be sent, each naming its variable
	// (already in the page's language); none when it can.
	Problems []string
	Version  int64 // the ticket's version the form was filled in on
}

// templateChoice is one template of the form's select, with its title
// and description in the page's language.
type templateChoice struct {
	Name        string
	Title       string // the catalog's title; the name when it gives none
	Description string
	Selected    bool
}

// Label is how the select shows the template: "Title — description".
func (c templateChoice) Label() string {
	if c.Description == "" {
		return c.Title
	}
	return c.Title + " — " + c.Description
}

// replyField is one variable of the chosen template.
type replyField struct {
	Name      string // the variable, as in the catalog
	Input     string // the form field: var.NAME
	Label     string // for people, in the page's language
	Required  bool
	Multiline bool          // a textarea rather than an input
	Options   []fieldOption // the values allowed, for a select; none: any text
	Value     string        // as given
	Missing   bool          // required but empty
	Invalid   bool          // not one of Options
}

// fieldOption is one allowed value of a variable.
type fieldOption struct {
	Value, Label string
	Selected     bool
}

// Ready reports whether the form may be sent.
func (f replyForm) Ready() bool { return f.Template != "" && len(f.Problems) == 0 }

// newReplyForm builds the form for template (which may be "", or not an
// operator's template: then none is chosen) with the values vars, in the
// page's language lang; t translates message keys.
func newReplyForm(set *templates.Set, template string, vars map[string]string, version int64, lang string, t func(string, ...any) string) replyForm {
	f := replyForm{Version: version}
	if set == nil {
		return f
	}
	for _, tm := range set.Catalog() {
		if tm.Automatic {
			continue
		}
		sel := tm.Name == template
		c := templateChoice{Name: tm.Name, Title: tm.TitleIn(lang), Description: tm.DescriptionIn(lang), Selected: sel}
		if c.Title == "" {
			c.Title = tm.Name
		}
		f.Templates = append(f.Templates, c)
		if !sel {
			continue
		}
		f.Template, f.Description = tm.Name, c.Description
		for _, v := range tm.Variables {
			val := strings.TrimSpace(vars[v.Name])
			fd := replyField{
				Name: v.Name, Input: varPrefix + v.Name, Label: variableLabel(v.Name, t), Required: v.Required,
				Multiline: multiline(v.Name) && len(v.Values) == 0, Value: vars[v.Name],
			}
			for _, o := range v.Values {
				fd.Options = append(fd.Options, fieldOption{Value: o, Label: valueLabel(v.Name, o, t), Selected: o == val})
			}
			switch {
			case val == "" && v.Required:
				fd.Missing = true
				f.Problems = append(f.Problems, t("reply.missing", fd.Label, v.Name))
			case val != "" && len(v.Values) > 0 && !slices.Contains(v.Values, val):
				fd.Invalid = true
				f.Problems = append(f.Problems, t("reply.invalid", fd.Label, v.Name))
			case len(vars[v.Name]) > maxVarLength:
				fd.Invalid = true
				f.Problems = append(f.Problems, t("reply.too_long", fd.Label, v.Name))
			}
			f.Fields = append(f.Fields, fd)
		}
	}
	if template != "" && f.Template == "" {
		f.Problems = append(f.Problems, t("reply.no_template"))
	}
	return f
}

// Vars returns the values of the chosen template's variables that are not
// blank, as replies.Reply takes them.
func (f replyForm) Vars() map[string]string {
	vars := map[string]string{}
	for _, fd := range f.Fields {
		if v := strings.TrimSpace(fd.Value); v != "" {
			vars[fd.Name] = v
		}
	}
	return vars
}

// formVars reads the var.NAME fields of a submitted form. Fields of
// another template (the operator switched templates) are dropped by
// newReplyForm, which keeps only the chosen template's.
func formVars(form url.Values) map[string]string {
	vars := map[string]string{}
	for k, vs := range form {
		if name, ok := strings.CutPrefix(k, varPrefix); ok && len(vs) > 0 {
			vars[name] = strings.ReplaceAll(vs[0], "\r\n", "\n")
		}
	}
	return vars
}

// multiline reports whether a variable takes free text of several lines,
// by its name as the catalog uses them.
func multiline(name string) bool {
	return name == "details" || name == "comment" || strings.HasSuffix(name, "_text")
}

// variableLabel is the label of a template variable: its message
// (var.NAME) when the console has one, otherwise its name.
func variableLabel(name string, t func(string, ...any) string) string {
	if l := t("var." + name); l != "var."+name {
		return l
	}
	return name
}

// valueLabel is the label of one allowed value of a variable: its message
// (value.NAME.VALUE) when the console has one, otherwise the value.
func valueLabel(name, value string, t func(string, ...any) string) string {
	key := "value." + name + "." + value
	if l := t(key); l != key {
		return l
	}
	return value
}
