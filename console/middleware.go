package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

// contentSecurityPolicy allows nothing but the console's own files: no
// inline script or style, no plugin, no framing of the console. A letter's
// HTML is shown in a sandboxed iframe from srcdoc (about:srcdoc), which
// inherits this policy, so it loads no remote image either.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-src 'self' about:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

// requestInfo is what the middleware learns of a request as it goes
// through: the request log reads it when the response is written.
type requestInfo struct {
	user string // the signed-in user or the token's holder; "" until known
	lang string // the page's language
}

type infoKey struct{}

// info returns the request's requestInfo; every request through Handler
// has one.
func info(ctx context.Context) *requestInfo {
	if i, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return i
	}
	return &requestInfo{lang: defaultLanguage}
}

// statusWriter remembers the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushing and
// deadlines for /events).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs each request once it is answered: the method, the
// route pattern (never the path's query string or a form value), the
// status, the duration and the user.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{lang: defaultLanguage}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, ri))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(r.Context(), level, "console request",
			slog.String("method", r.Method),
			slog.String("route", r.Pattern), // the pattern matched, e.g. "GET /tickets/{number}"; "" when none did
			slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start)),
			slog.String("user", ri.user))
	})
}

// recoverPanics turns a handler's panic into a 500 and a log line, so one
// bad request cannot take the console down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.log.Error("console handler panicked", "route", r.Pattern, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			s.fail(w, r, http.StatusInternalServerError, "error.internal")
		}()
		next.ServeHTTP(w, r)
	})
}

// secureHeaders sets the security headers on every response. A handler
// may replace a header before it writes (the ticket page relaxes img-src
// when the operator asks for a letter's remote images).
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store") // pages hold personal data; /static/ says otherwise
		next.ServeHTTP(w, r)
	})
}

// refuseCrossOrigin refuses state-changing requests (any method but GET,
// HEAD and OPTIONS) sent by a browser from another origin, by
// Sec-Fetch-Site or Origin, before any handler runs.
func (s *Server) refuseCrossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusForbidden, "error.cross_origin")
	}))
	return cop.Handler(next)
}

// isAPI reports whether r is for the JSON API, which answers errors in
// JSON.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// safeMethod reports whether r cannot change anything by its method.
func safeMethod(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
}
