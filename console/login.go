package console

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketd/ticketd/accounts"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// Limits of the sign-in form.
const (
	maxFormBytes   = 64 << 10
	maxPasswordLen = 1024
	maxUserNameLen = 64
	maxTOTPLen     = 16
)

// loginForm is the data of the sign-in page.
type loginForm struct {
	Username string // given back after a failure
	Next     string // where to go once signed in
}

// loginShow serves the sign-in form: GET /login.
func (s *Server) loginShow(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = ""
	}
	s.render(w, r, http.StatusOK, "login", s.newView(r, "login.title", loginForm{Next: next}))
}

// loginCheck signs a user in: POST /login with username, password and
// totp. Every failure but the missing second factor of an admin, which is
// told only to the holder of the right password, gets one message.
func (s *Server) loginCheck(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	code := strings.ReplaceAll(r.PostForm.Get("totp"), " ", "")
	form := loginForm{Username: name, Next: r.PostForm.Get("next")}
	if !localPath(form.Next) {
		form.Next = ""
	}
	if len(name) > maxUserNameLen {
		form.Username = ""
	}
	refuse := func(status int, key string, args ...any) {
		v := s.newView(r, "login.title", form)
		v.Flash = v.T(key, args...)
		s.render(w, r, status, "login", v)
	}
	keys := map[string]int{userKey(name): freeUserFailures, addrKey(r.RemoteAddr): freeAddrFailures}
	locked := func(wait time.Duration) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		refuse(http.StatusTooManyRequests, "login.failed")
	}
	if wait := s.logins.closed(userKey(name), addrKey(r.RemoteAddr)); wait > 0 {
		locked(wait)
		return
	}
	if name == "" || len(name) > maxUserNameLen || len(password) > maxPasswordLen || len(code) > maxTOTPLen {
		s.logins.fail(keys)
		refuse(http.StatusUnauthorized, "login.failed")
		return
	}
	u, wait, err := s.authenticate(r, name, password, code)
	if wait > 0 {
		locked(wait)
		return
	}
	if errors.Is(err, accounts.ErrDenied) {
		s.logins.fail(keys)
		refuse(http.StatusUnauthorized, "login.failed")
		return
	}
	if err != nil {
		// Not the name, which the store's and accounts' errors quote: it is
		// a form value, maybe a password typed in the wrong field.
		s.log.Error("console sign-in", "err", withoutTyped(err, name))
		s.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	if s.totp && accounts.Role(u.Role) == accounts.RoleAdmin && !u.HasTOTP {
		s.log.Info("console sign-in refused: admin without totp", "user", u.Name)
		refuse(http.StatusForbidden, "login.totp_needed", u.Name)
		return
	}
	s.logins.succeed(userKey(name))
	// A new session every time: a session token planted before signing in
	// is never the one signed in (session fixation).
	if old := s.sessionHash(r); old != nil {
		if err := s.store.RevokeSession(r.Context(), old); err != nil {
			s.log.Warn("console sign-in: revoke old session", redact.Err(err))
		}
	}
	token, err := newSessionToken()
	if err == nil {
		err = s.store.CreateSession(r.Context(), u.Name, accounts.HashToken(token))
	}
	if errors.Is(err, store.ErrDisabled) {
		refuse(http.StatusUnauthorized, "login.failed")
		return
	}
	if err != nil {
		s.log.Error("console sign-in: session", "user", u.Name, redact.Err(err))
		s.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	info(r.Context()).user = u.Name
	s.setSession(w, token)
	target := "/"
	if form.Next != "" {
		target = form.Next
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// authenticate checks a sign-in with the accounts service, one password
// hash at a time per hashing slot: argon2id takes 64 MiB and a core's
// worth of time, so a burst of sign-ins waits instead of exhausting memory.
// Once it has a slot it asks the limiter again, so that guesses sent all at
// once are not all checked: a wait above 0 means the sign-in is locked.
func (s *Server) authenticate(r *http.Request, name, password, code string) (store.User, time.Duration, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-r.Context().Done():
		return store.User{}, 0, r.Context().Err()
	}
	defer func() { <-s.hashing }()
	if wait := s.logins.closed(userKey(name), addrKey(r.RemoteAddr)); wait > 0 {
		return store.User{}, wait, nil
	}
	u, err := s.accounts.Authenticate(r.Context(), name, password, code)
	return u, 0, err
}

// withoutTyped is err's text with what the user typed, typed, cut out.
func withoutTyped(err error, typed string) string {
	if typed == "" {
		return err.Error()
	}
	return strings.ReplaceAll(err.Error(), typed, "…")
}
