package console

import (
	"io/fs"
	"net/http"
)

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
