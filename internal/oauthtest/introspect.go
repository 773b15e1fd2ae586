package oauthtest

import (
	"net/http"
	"strings"
)

// introspection is the RFC 7662 section 2.2 answer for an active token.
type introspection struct {
	Active    bool   `json:"active"`
	Username  string `json:"username,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Scope     string `json:"scope,omitempty"`
	TokenType string `json:"token_type,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
}

// handleIntrospect serves the introspection endpoint: POST with the form
// token=…, as Dovecot's oauth2 passdb sends with introspection_mode = post.
// An unknown, expired or revoked token is {"active":false}.
func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	tok := r.PostFormValue("token")
	if tok == "" {
		// QUIRK: some clients send the token as a bearer header instead.
		tok, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.introspections++
	a, ok := s.activeLocked(tok)
	if !ok {
		writeJSON(w, http.StatusOK, introspection{Active: false})
		return
	}
	writeJSON(w, http.StatusOK, introspection{
		Active:    true,
		Username:  a.grant.username,
		ClientID:  a.grant.clientID,
		Scope:     a.grant.scope,
		TokenType: "Bearer",
		Exp:       a.expires.Unix(),
	})
}
