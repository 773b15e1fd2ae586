package oauthtest

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"time"
)

// codeLifetime is how long an authorization code may be redeemed.
const codeLifetime = time.Minute

// code is an issued authorization code.
type code struct {
	clientID    string
	redirectURI string
	scope       string
	challenge   string // PKCE S256 code_challenge, or ""
	method      string
	username    string
	expires     time.Time
}

// SetAuthorize sets how the authorize endpoint answers from now on: approve
// (the default) redirects to redirect_uri with a code for Options.Username;
// otherwise it redirects with error=access_denied.
func (s *Server) SetAuthorize(approve bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authorizeDeny = !approve
}

// handleAuthorize serves the authorization endpoint (RFC 6749 section 4.1.1).
// It plays the user and answers at once with a redirect.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" || redirect.Host == "" {
		http.Error(w, "oauthtest: missing or bad redirect_uri", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.ClientID != "" && q.Get("client_id") != s.opts.ClientID {
		http.Error(w, "oauthtest: unknown client_id", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	if st := q.Get("state"); st != "" {
		back.Set("state", st)
	}
	switch {
	case q.Get("response_type") != "code":
		back.Set("error", "unsupported_response_type")
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256" && q.Get("code_challenge_method") != "plain" && q.Get("code_challenge_method") != "":
		back.Set("error", "invalid_request")
	case s.authorizeDeny:
		back.Set("error", "access_denied")
	default:
		c := randomString("ac-", 16)
		s.codes[c] = &code{
			clientID:    q.Get("client_id"),
			redirectURI: q.Get("redirect_uri"),
			scope:       scopeOf(r),
			challenge:   q.Get("code_challenge"),
			method:      q.Get("code_challenge_method"),
			username:    s.opts.Username,
			expires:     time.Now().Add(codeLifetime),
		}
		back.Set("code", c)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// codeTokenLocked answers grant_type=authorization_code, checking the
// redirect_uri and the PKCE verifier (RFC 7636 section 4.6).
func (s *Server) codeTokenLocked(w http.ResponseWriter, r *http.Request, clientID string) {
	name := r.PostFormValue("code")
	c, ok := s.codes[name]
	delete(s.codes, name) // a code is good once
	switch {
	case !ok || time.Now().After(c.expires) || c.clientID != clientID:
		writeError(w, http.StatusBadRequest, "invalid_grant", "unknown or expired code")
		return
	case r.PostFormValue("redirect_uri") != c.redirectURI:
		writeError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request")
		return
	case !pkceOK(c, r.PostFormValue("code_verifier")):
		writeError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match")
		return
	}
	g := s.newGrantLocked(c.username, c.clientID, c.scope)
	s.writeTokensLocked(w, g)
}

// pkceOK checks a code verifier against the challenge of c.
func pkceOK(c *code, verifier string) bool {
	switch {
	case c.challenge == "":
		return verifier == ""
	case c.method == "S256":
		sum := sha256.Sum256([]byte(verifier))
		return base64.RawURLEncoding.EncodeToString(sum[:]) == c.challenge
	default: // plain
		return verifier == c.challenge
	}
}
