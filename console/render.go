package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// The pages' templates and the static files ship inside the binary.
//
//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// view is what every page's template gets: the page's own Data and what
// the layout shows. Templates translate with {{$.T "key"}}.
type view struct {
	Title    string // a message key; the layout translates it
	Data     any    // the page's own
	Flash    string // an error to show in .flash.error, already translated
	User     store.User
	SignedIn bool
	CanWrite bool // the user may change tickets: forms are shown
	CanAudit bool // the user may see who read what: auditors and admins
	Lang     string
	Path     string     // the request's path
	query    url.Values // the request's query, for the language links
	Now      time.Time

	messages catalog
	loc      *time.Location
}

// T returns the message key in the page's language; with args, the
// message is a format for them.
func (v *view) T(key string, args ...any) string {
	m := v.messages.text(v.Lang, key)
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// Label returns the message prefix+value ("status." and "new"), or value
// itself when the catalog has none: a category named in the rules file.
func (v *view) Label(prefix, value string) string {
	if m, ok := v.messages[v.Lang][prefix+value]; ok {
		return m
	}
	return value
}

// LangURL is this page in lang: its path and query with lang= set.
func (v *view) LangURL(lang string) string {
	q := url.Values{}
	for k, vs := range v.query {
		q[k] = vs
	}
	q.Set("lang", lang)
	return v.Path + "?" + q.Encode()
}

// Languages lists the console's languages for the switch.
func (v *view) Languages() []string { return languages() }

// Time formats t for the page, in the console's time zone.
func (v *view) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.loc).Format("02.01.2006 15:04")
}

// Moment formats t to the second, for the record of who read what.
func (v *view) Moment(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.loc).Format("02.01.2006 15:04:05")
}

// RoleName is the user's role in the page's language.
func (v *view) RoleName() string { return v.T("role." + v.User.Role) }

// parsePages parses each page in templates/ (every file but layout.html)
// together with the layout, which defines "layout" and the shared parts.
func (s *Server) parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(templateFuncs()).ParseFS(templateFiles, "templates/layout.html", f)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", f, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// templateFuncs are the functions every template may call, besides the
// view's methods.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		// iso is t for a datetime attribute.
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// idents splits a text into words and identifiers (identParts).
		"idents": identParts,
		// has reports whether list holds v.
		"has": func(list []string, v string) bool {
			for _, x := range list {
				if x == v {
					return true
				}
			}
			return false
		},
	}
}

// newView returns the view of a page for r, with the layout's fields
// filled in.
func (s *Server) newView(r *http.Request, title string, data any) *view {
	u, ok := userOf(r.Context())
	return &view{
		Title: title, Data: data, User: u, SignedIn: ok, CanWrite: ok && canWrite(u), CanAudit: ok && canAudit(u),
		Lang: info(r.Context()).lang, Path: r.URL.Path, query: r.URL.Query(), Now: s.now(), messages: s.messages, loc: s.loc,
	}
}

// render writes page (its template "layout", or another of its templates
// named by part, such as a fragment) with v, answering 500 if it fails.
// Nothing is written until the template has run through.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	s.renderPart(w, r, status, page, "layout", v)
}

// renderPart writes the template part of page with v.
func (s *Server) renderPart(w http.ResponseWriter, r *http.Request, status int, page, part string, v *view) {
	t, ok := s.pages[page]
	if !ok {
		s.log.Error("console render: no such page", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, part, v); err != nil {
		s.log.Error("console render", "page", page, "part", part, redact.Err(err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// fail answers r with an error: JSON for the API, the error page
// otherwise. key is a message key ("error.forbidden"); with args, the
// message is a format for them.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	v := s.newView(r, "error.title", nil)
	msg := v.T(key, args...)
	if isAPI(r) || r.URL.Path == "/healthz" {
		s.writeJSON(w, status, apiError{Error: strings.TrimPrefix(key, "error."), Message: msg})
		return
	}
	v.Flash = msg
	s.render(w, r, status, "error", v)
}

// pageError is a failure to answer with fail: its status, message key
// and the message's arguments.
type pageError struct {
	status int
	key    string
	args   []any
}

// internalError is a failure already logged: 500, and nothing said.
func internalError() *pageError {
	return &pageError{status: http.StatusInternalServerError, key: "error.internal"}
}

// badFilter is 400 for a query the queue cannot take, saying why.
func badFilter(err error) *pageError {
	return &pageError{status: http.StatusBadRequest, key: "error.bad_filter", args: []any{err.Error()}}
}

// apiError is the body of every error the API answers.
type apiError struct {
	Error   string `json:"error"`   // a stable code: forbidden, unauthorized, not_found, bad_request, ...
	Message string `json:"message"` // for people, in the request's language
}

// writeJSON writes v as the JSON body of a response with status.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("console json", redact.Err(err))
		http.Error(w, `{"error":"internal","message":"internal error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
