// Package templates renders the letters ticketd sends from Go text/template
// files: Russian by default, English second.
//
// Each template is one file per language, lang/NAME.tmpl. The file's body is
// the plain-text letter; it defines the subject line as {{define "subject"}}.
// The files ship embedded in the binary; operators may point the
// configuration at a folder laid out the same way, whose files replace the
// embedded ones of the same name.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"text/template"
	"time"
	_ "time/tzdata" // Europe/Moscow without the system zone database
)

//go:embed ru/*.tmpl en/*.tmpl
var embedded embed.FS

// DefaultLanguage is used when a letter's language has no template.
const DefaultLanguage = "ru"

// ErrUnknown is returned for a template name that does not exist.
var ErrUnknown = errors.New("templates: unknown template")

// Set is a loaded set of templates.
type Set struct {
	byKey map[string]*template.Template // "lang/name"
	loc   *time.Location
}

// Rendered is a letter ready to be composed.
type Rendered struct {
	Subject string
	Text    string
}

// Load reads the embedded templates and, when dir is not empty, the
// overrides in dir. Times are shown in loc (nil means Europe/Moscow).
func Load(dir string, loc *time.Location) (*Set, error) {
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation("Europe/Moscow"); err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
	}
	s := &Set{byKey: map[string]*template.Template{}, loc: loc}
	if err := s.add(embedded, "embedded"); err != nil {
		return nil, err
	}
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("templates: override folder: %w", err)
		}
		if err := s.add(os.DirFS(dir), dir); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Set) add(fsys fs.FS, origin string) error {
	files, err := fs.Glob(fsys, "*/*.tmpl")
	if err != nil {
		return fmt.Errorf("templates: %s: %w", origin, err)
	}
	for _, f := range files {
		body, err := fs.ReadFile(fsys, f)
		if err != nil {
			return fmt.Errorf("templates: %s: %w", origin, err)
		}
		key := strings.TrimSuffix(f, ".tmpl")
		t, err := template.New(key).Option("missingkey=error").Funcs(s.funcs()).Parse(string(body))
		if err != nil {
			return fmt.Errorf("templates: %s/%s: %w", origin, f, err)
		}
		if t.Lookup("subject") == nil {
			return fmt.Errorf("templates: %s/%s: no {{define \"subject\"}}", origin, f)
		}
		s.byKey[key] = t
	}
	return nil
}

func (s *Set) funcs() template.FuncMap {
	return template.FuncMap{
		// when formats a time for citizens: 02.01.2006 15:04 in the service's zone.
		"when": func(t time.Time) string { return t.In(s.loc).Format("02.01.2006 15:04 MST") },
	}
}

// Names lists the template names, sorted.
func (s *Set) Names() []string {
	seen := map[string]bool{}
	var names []string
	for key := range s.byKey {
		name := path.Base(key)
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// Languages lists the languages template name exists in, sorted.
func (s *Set) Languages(name string) []string {
	var langs []string
	for key := range s.byKey {
		if path.Base(key) == name {
			langs = append(langs, path.Dir(key))
		}
	}
	sort.Strings(langs)
	return langs
}

// Render renders template name in lang (falling back to DefaultLanguage)
// with data.
func (s *Set) Render(name, lang string, data any) (Rendered, error) {
	t, ok := s.byKey[lang+"/"+name]
	if !ok {
		t, ok = s.byKey[DefaultLanguage+"/"+name]
	}
	if !ok {
		return Rendered{}, fmt.Errorf("%w %q", ErrUnknown, name)
	}
	var subj, body bytes.Buffer
	if err := t.ExecuteTemplate(&subj, "subject", data); err != nil {
		return Rendered{}, fmt.Errorf("templates: render %s subject: %w", t.Name(), err)
	}
	if err := t.Execute(&body, data); err != nil {
		return Rendered{}, fmt.Errorf("templates: render %s: %w", t.Name(), err)
	}
	return Rendered{
		Subject: strings.Join(strings.Fields(subj.String()), " "),
		Text:    strings.TrimSpace(body.String()) + "\n",
	}, nil
}
