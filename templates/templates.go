// Package templates renders the letters ticketd sends from Go text/template
// files: Russian by default, English second.
//
// Each template is one file per language, lang/NAME.tmpl. The file's body is
// the plain-text letter; it defines the subject line as {{define "subject"}}.
// The HTML alternative is not written by hand: Render builds it from the
// plain text (see Rendered.HTML), so the two cannot say different things.
//
// catalog.toml describes each template for operators: its title and what
// it is for (in English, and in other languages when given: see
// Template.TitleIn) and which values ("ticketd reply -set key=value") it
// takes; Check holds an operator's values against it before anything is
// queued.
//
// The files ship embedded in the binary; operators may point the
// configuration at a folder laid out the same way, whose files replace the
// embedded ones of the same name, with its own catalog.toml for the
// templates it adds or changes.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
	"time"
	_ "time/tzdata" // Europe/Moscow without the system zone database
)

//go:embed ru/*.tmpl en/*.tmpl catalog.toml
var embedded embed.FS

// DefaultLanguage is used when a letter's language has no template.
const DefaultLanguage = "ru"

// ErrUnknown is returned for a template name that does not exist.
var ErrUnknown = errors.New("templates: unknown template")

// Set is a loaded set of templates with their catalog.
type Set struct {
	byKey   map[string]*template.Template // "lang/name"
	origin  map[string]string             // "lang/name" → the file it came from
	catalog map[string]entry              // name → its catalog entry
	loc     *time.Location
}

// Rendered is a letter ready to be composed.
type Rendered struct {
	Subject string
	Text    string // the plain-text letter
	HTML    string // the same letter as a complete HTML document
}

// Load reads the embedded templates and catalog and, when dir is not empty,
// the overrides in dir: dir/LANG/NAME.tmpl and dir/catalog.toml. Times are
// shown in loc (nil means Europe/Moscow). It fails, naming the file, when a
// template has no catalog entry or an entry has no template in
// DefaultLanguage.
func Load(dir string, loc *time.Location) (*Set, error) {
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation("Europe/Moscow"); err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
	}
	s := &Set{
		byKey:   map[string]*template.Template{},
		origin:  map[string]string{},
		catalog: map[string]entry{},
		loc:     loc,
	}
	if err := s.add(embedded, "embedded"); err != nil {
		return nil, err
	}
	if err := s.addCatalog(embedded, "embedded"); err != nil {
		return nil, err
	}
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("templates: override folder: %w", err)
		}
		fsys := os.DirFS(dir)
		if err := s.add(fsys, dir); err != nil {
			return nil, err
		}
		if _, err := fs.Stat(fsys, catalogFile); err == nil {
			if err := s.addCatalog(fsys, dir); err != nil {
				return nil, err
			}
		}
	}
	if err := s.checkDrift(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Set) add(fsys fs.FS, origin string) error {
	files, err := fs.Glob(fsys, "*/*.tmpl")
	if err != nil {
		return fmt.Errorf("templates: %s: %w", origin, err)
	}
	for _, f := range files {
		file := filepath.Join(origin, filepath.FromSlash(f))
		body, err := fs.ReadFile(fsys, f)
		if err != nil {
			return fmt.Errorf("templates: %s: %w", origin, err)
		}
		key := strings.TrimSuffix(f, ".tmpl")
		t, err := template.New(key).Option("missingkey=error").Funcs(s.funcs(path.Dir(key))).Parse(string(body))
		if err != nil {
			return fmt.Errorf("templates: %s: %w", file, err)
		}
		if t.Lookup("subject") == nil {
			return fmt.Errorf("templates: %s: no {{define \"subject\"}}", file)
		}
		s.byKey[key] = t
		s.origin[key] = file
	}
	return nil
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

// Render renders template name in lang (falling back to its base language,
// "en" for "en-GB", then to DefaultLanguage) with data. When data is a Data
// or *Data, its Vars are first held against the catalog as Check does, so a
// letter is never sent with a missing or misspelt value, and the values the
// citizen wrote (subject, name, numbers, file names) are shown as plain
// one-line data of bounded length (see Data): a 1 MB subject gives a subject
// of MaxSubjectRunes after the template's own words and the ticket's tag.
// Values are never read as template text. Rendered.HTML is built from the
// plain text; values the citizen wrote are escaped there and never made
// into links.
func (s *Set) Render(name, lang string, data any) (Rendered, error) {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	var key string
	var t *template.Template
	for _, l := range []string{lang, base, DefaultLanguage} {
		key = l + "/" + name
		if t = s.byKey[key]; t != nil {
			break
		}
	}
	if t == nil {
		return Rendered{}, fmt.Errorf("%w %q", ErrUnknown, name)
	}
	d := asData(data)
	if d != nil {
		if err := s.Check(name, d.Vars); err != nil {
			return Rendered{}, err
		}
		d = d.fromLetter()
		data = d
	}
	var subj, body bytes.Buffer
	if err := t.ExecuteTemplate(&subj, "subject", data); err != nil {
		return Rendered{}, fmt.Errorf("templates: render %s subject: %w", t.Name(), err)
	}
	if err := t.Execute(&body, data); err != nil {
		return Rendered{}, fmt.Errorf("templates: render %s: %w", t.Name(), err)
	}
	r := Rendered{
		Subject: strings.Join(strings.Fields(subj.String()), " "),
		Text:    strings.TrimSpace(body.String()) + "\n",
	}
	r.HTML = toHTML(path.Dir(key), r.Subject, r.Text, d.citizenValues())
	return r, nil
}

// asData returns data as a *Data, or nil when it is something else.
func asData(data any) *Data {
	switch d := data.(type) {
	case Data:
		return &d
	case *Data:
		return d
	}
	return nil
}
