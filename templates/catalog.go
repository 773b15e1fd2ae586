package templates

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// catalogFile is the catalog's name, embedded and in an override folder.
const catalogFile = "catalog.toml"

// Variable is a value an operator gives a template with "ticketd reply
// -set name=value".
type Variable struct {
	Name     string   `json:"name"`
	Required bool     `json:"required"`
	Values   []string `json:"values,omitempty"` // the values allowed; empty: any text
}

// Template describes one template: what it is for, what it takes, the
// languages it exists in, and whether the daemon sends it by itself
// (acknowledgements) rather than an operator.
type Template struct {
	Name string `json:"name"`
	// Title is the template's short name for people ("Application
	// status") and Description what it is for, both in English (the
	// catalog's own language, see TextLanguage); Title is "" when the
	// catalog gives none.
	Title       string `json:"title,omitempty"`
	Description string `json:"description"`
	// Titles and Descriptions hold the texts in every language the
	// catalog gives them in (language → text); TitleIn and DescriptionIn
	// pick one.
	Titles       map[string]string `json:"titles,omitempty"`
	Descriptions map[string]string `json:"descriptions,omitempty"`
	Variables    []Variable        `json:"variables"`
	Languages    []string          `json:"languages"`
	Automatic    bool              `json:"automatic"`
	// Status is the status a ticket takes when an operator sends this
	// template ("" for automatic templates, which change none).
	Status string `json:"status,omitempty"`
}

// DefaultStatus is the status a ticket takes when an operator sends a
// template whose catalog entry names none: it was answered.
const DefaultStatus = "answered"

// TitleIn returns the template's title in lang; see text.in for the
// language it falls back to. "" when the catalog gives no title.
func (t Template) TitleIn(lang string) string { return text(t.Titles).in(lang) }

// DescriptionIn returns what the template is for in lang; see text.in
// for the language it falls back to.
func (t Template) DescriptionIn(lang string) string { return text(t.Descriptions).in(lang) }

// entry is a template's catalog entry as decoded, with the file it came
// from for errors.
type entry struct {
	Title       text       `toml:"title"`
	Description text       `toml:"description"`
	Automatic   bool       `toml:"automatic"`
	Variables   []Variable `toml:"variables"`
	Status      string     `toml:"status"`
	file        string
}

// variableName is what a variable may be called: it must survive
// "-set name=value" and read well in {{.Var "name"}}.
var variableName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// addCatalog reads catalog.toml from fsys; its entries replace those of the
// same name read before.
func (s *Set) addCatalog(fsys fs.FS, origin string) error {
	file := filepath.Join(origin, catalogFile)
	body, err := fs.ReadFile(fsys, catalogFile)
	if err != nil {
		return fmt.Errorf("templates: %s: %w", origin, err)
	}
	var entries map[string]entry
	md, err := toml.Decode(string(body), &entries)
	if err != nil {
		return fmt.Errorf("templates: %s: %w", file, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		return fmt.Errorf("templates: %s: unknown key %q", file, extra[0].String())
	}
	for name, e := range entries {
		if err := e.validate(); err != nil {
			return fmt.Errorf("templates: %s: [%s]: %w", file, name, err)
		}
		e.file = file
		s.catalog[name] = e
	}
	return nil
}

func (e entry) validate() error {
	if e.Description.in(TextLanguage) == "" {
		return fmt.Errorf("no description")
	}
	if lang, ok := e.Description.blank(); ok {
		return fmt.Errorf("description.%s is empty", lang)
	}
	if lang, ok := e.Title.blank(); ok {
		return fmt.Errorf("title.%s is empty", lang)
	}
	if e.Automatic && e.Status != "" {
		return fmt.Errorf("status %q: an automatic template changes no status", e.Status)
	}
	seen := map[string]bool{}
	for i, v := range e.Variables {
		if !variableName.MatchString(v.Name) {
			return fmt.Errorf("variable %d: name %q: want lower-case letters, digits and _", i+1, v.Name)
		}
		if seen[v.Name] {
			return fmt.Errorf("variable %q listed twice", v.Name)
		}
		seen[v.Name] = true
		for _, val := range v.Values {
			if strings.TrimSpace(val) == "" {
				return fmt.Errorf("variable %q: empty value in values", v.Name)
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(v.Values)))) != len(v.Values) {
			return fmt.Errorf("variable %q: a value listed twice", v.Name)
		}
	}
	return nil
}

// checkDrift fails when a template has no catalog entry or an entry has no
// template in DefaultLanguage, naming the file at fault.
func (s *Set) checkDrift() error {
	keys := make([]string, 0, len(s.byKey))
	for key := range s.byKey {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if _, ok := s.catalog[path.Base(key)]; !ok {
			return fmt.Errorf("templates: %s: no [%s] entry in %s", s.origin[key], path.Base(key), catalogFile)
		}
	}
	names := make([]string, 0, len(s.catalog))
	for name := range s.catalog {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := s.byKey[DefaultLanguage+"/"+name]; !ok {
			return fmt.Errorf("templates: %s: [%s]: no template %s/%s.tmpl", s.catalog[name].file, name, DefaultLanguage, name)
		}
	}
	return nil
}

// Describe returns the catalog's description of template name.
func (s *Set) Describe(name string) (Template, bool) {
	e, ok := s.catalog[name]
	if !ok {
		return Template{}, false
	}
	return s.describe(name, e), true
}

// describe is the Template of catalog entry e.
func (s *Set) describe(name string, e entry) Template {
	vars := make([]Variable, len(e.Variables))
	for i, v := range e.Variables {
		vars[i] = Variable{Name: v.Name, Required: v.Required, Values: slices.Clone(v.Values)}
	}
	status := e.Status
	if status == "" && !e.Automatic {
		status = DefaultStatus
	}
	return Template{
		Name:         name,
		Title:        e.Title.in(TextLanguage),
		Description:  e.Description.in(TextLanguage),
		Titles:       e.Title.clone(),
		Descriptions: e.Description.clone(),
		Variables:    vars,
		Languages:    s.Languages(name),
		Automatic:    e.Automatic,
		Status:       status,
	}
}

// Catalog describes every template, sorted by name.
func (s *Set) Catalog() []Template {
	names := make([]string, 0, len(s.catalog))
	for name := range s.catalog {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]Template, 0, len(names))
	for _, name := range names {
		out = append(out, s.describe(name, s.catalog[name]))
	}
	return out
}
