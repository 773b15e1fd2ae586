package console

import (
	"io/fs"
	"net/http"
)

// faviconFile is the console's icon among the static files.
const faviconFile = "static/favicon.svg"

// static serves the embedded stylesheet and script: GET /static/. They
// change only with the binary, so browsers may keep them for an hour.
func (s *Server) static() http.Handler {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the directory is embedded: it is there
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// favicon serves GET /favicon.ico, which browsers ask for whatever the
// page's <link rel=icon> says: the embedded SVG icon, so that no page
// leaves a failed request in the browser's console. It needs no session.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	b, err := staticFiles.ReadFile(faviconFile)
	if err != nil {
		http.NotFound(w, r) // the file is embedded: it is there
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(b)
}
