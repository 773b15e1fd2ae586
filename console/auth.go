package console

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ticketd/ticketd/accounts"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// Cookie names. Under TLS the session cookie takes the __Host- prefix, so
// the browser keeps it only if it is Secure, for this host, on Path=/.
const (
	sessionCookie       = "ticketd_session"
	secureSessionCookie = "__Host-ticketd_session"
)

type userCtxKey struct{}

// withUser returns ctx carrying the user a request acts for.
func withUser(ctx context.Context, u store.User) context.Context {
	return context.WithValue(ctx, userCtxKey{}, u)
}

// userOf returns the user a request acts for, and false for a request
// that passed neither session nor bearer.
func userOf(ctx context.Context) (store.User, bool) {
	u, ok := ctx.Value(userCtxKey{}).(store.User)
	return u, ok
}

// currentUser returns the user of a request that went through session or
// bearer: the zero User otherwise.
func currentUser(r *http.Request) store.User {
	u, _ := userOf(r.Context())
	return u
}

// canWrite reports whether u may change tickets: operators and admins.
func canWrite(u store.User) bool {
	return accounts.Role(u.Role) == accounts.RoleOperator || accounts.Role(u.Role) == accounts.RoleAdmin
}

// requireRole lets through only users in one of roles; others get 403.
// Use it on every route that changes something, inside session or bearer:
//
//	mux.HandleFunc("POST /tickets/{number}/status",
//		s.session(s.requireRole(s.ticketStatus, accounts.RoleOperator, accounts.RoleAdmin)))
func (s *Server) requireRole(h http.HandlerFunc, roles ...accounts.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := userOf(r.Context())
		if !ok || !slices.Contains(roles, accounts.Role(u.Role)) {
			s.fail(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		h(w, r)
	}
}

// writersOnly is requireRole for the roles that change tickets: operators
// and admins.
func (s *Server) writersOnly(h http.HandlerFunc) http.HandlerFunc {
	return s.requireRole(h, accounts.RoleOperator, accounts.RoleAdmin)
}

// sessionName is the name of the session cookie.
func (s *Server) sessionName() string {
	if s.secure {
		return secureSessionCookie
	}
	return sessionCookie
}

// sessionHash returns the SHA-256 of the request's session cookie, or nil.
func (s *Server) sessionHash(r *http.Request) []byte {
	c, err := r.Cookie(s.sessionName())
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil
	}
	return accounts.HashToken(c.Value)
}

// session lets through requests with a live session, carrying its user;
// others are sent to sign in (a page) or refused with 401. Auditors are
// refused with 403 on any method that could change something but signing
// out, whatever the route does.
func (s *Server) session(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hash := s.sessionHash(r)
		if hash == nil {
			s.signInFirst(w, r)
			return
		}
		u, err := s.store.SessionUser(r.Context(), hash, s.idle)
		if errors.Is(err, store.ErrNotFound) {
			s.clearSession(w)
			s.signInFirst(w, r)
			return
		}
		if err != nil {
			s.log.Error("console session", redact.Err(err))
			s.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		s.serveAs(w, r, u, h)
	}
}

// bearer lets through API requests with a valid bearer token, carrying
// its holder; others get 401 with WWW-Authenticate. Cookies are ignored.
func (s *Server) bearer(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ticketd"`)
			s.fail(w, r, http.StatusUnauthorized, "error.unauthorized")
			return
		}
		u, err := s.accounts.UserByToken(r.Context(), token)
		if errors.Is(err, accounts.ErrDenied) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ticketd", error="invalid_token"`)
			s.fail(w, r, http.StatusUnauthorized, "error.unauthorized")
			return
		}
		if err != nil {
			s.log.Error("console token", redact.Err(err))
			s.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		s.serveAs(w, r, u, h)
	}
}

// serveAs serves r on behalf of u.
func (s *Server) serveAs(w http.ResponseWriter, r *http.Request, u store.User, h http.HandlerFunc) {
	info(r.Context()).user = u.Name
	if !safeMethod(r) && !canWrite(u) && r.URL.Path != "/logout" {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	h(w, r.WithContext(withUser(r.Context(), u)))
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > 200 {
		return "", false
	}
	return token, true
}

// signInFirst answers a request without a session: a page is sent to
// /login (coming back to its path afterwards), anything else gets 401.
func (s *Server) signInFirst(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.Header.Get("Accept") != "text/event-stream" && !isAPI(r) {
		target := "/login"
		if r.URL.Path != "/" && localPath(r.URL.Path) {
			target += "?next=" + url.QueryEscape(r.URL.Path) // the path only: a query may hold search words
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	s.fail(w, r, http.StatusUnauthorized, "error.unauthorized")
}

// newSessionToken returns a new session cookie value: 32 random bytes.
func newSessionToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// setSession gives the browser the session cookie holding token.
func (s *Server) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionName(), Value: token, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode,
	})
}

// clearSession tells the browser to forget the session cookie.
func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode,
	})
}

// localPath reports whether p is a path on this site to return to after
// signing in: it starts with one slash and is not a scheme-relative URL.
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\") &&
		!strings.ContainsAny(p, "\r\n\\") && !strings.HasPrefix(p, "/api/") && p != "/login" && p != "/events"
}
