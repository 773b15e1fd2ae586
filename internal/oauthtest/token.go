package oauthtest

import (
	"net/http"
	"time"
)

// Grant types the token endpoint knows.
const (
	grantRefresh = "refresh_token"
	grantDevice  = "urn:ietf:params:oauth:grant-type:device_code"
	grantCode    = "authorization_code"
)

// tokenResponse is a successful token response (RFC 6749 section 5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// handleToken serves the token endpoint.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failStatus != 0 {
		if r.PostFormValue("grant_type") == grantRefresh {
			s.failedRefresh++
		}
		writeError(w, s.failStatus, s.failCode, "failing as the test asked")
		return
	}
	clientID, ok := s.clientOK(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauthtest"`)
		writeError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	switch r.PostFormValue("grant_type") {
	case grantRefresh:
		s.refreshLocked(w, r, clientID)
	case grantDevice:
		s.deviceTokenLocked(w, r, clientID)
	case grantCode:
		s.codeTokenLocked(w, r, clientID)
	default:
		writeError(w, http.StatusBadRequest, "unsupported_grant_type", "")
	}
}

// refreshLocked answers grant_type=refresh_token, rotating the refresh
// token unless Options.NoRotation.
func (s *Server) refreshLocked(w http.ResponseWriter, r *http.Request, clientID string) {
	rt := r.PostFormValue("refresh_token")
	g, ok := s.refresh[rt]
	switch {
	case !ok:
		s.failedRefresh++
		writeError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
		return
	case g.revoked:
		s.failedRefresh++
		writeError(w, http.StatusBadRequest, "invalid_grant", "the grant was revoked")
		return
	case rt != g.refresh:
		s.failedRefresh++
		writeError(w, http.StatusBadRequest, "invalid_grant", "refresh token was rotated and is no longer valid")
		return
	case g.clientID != "" && clientID != g.clientID:
		s.failedRefresh++
		writeError(w, http.StatusBadRequest, "invalid_grant", "refresh token of another client")
		return
	}
	if !s.opts.NoRotation {
		g.refresh = randomString("rt-", 24)
		s.refresh[g.refresh] = g
	}
	s.refreshes++
	s.writeTokensLocked(w, g)
}

// writeTokensLocked issues an access token of g and answers it with g's
// current refresh token.
func (s *Server) writeTokensLocked(w http.ResponseWriter, g *grant) {
	at := s.issueAccessLocked(g)
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken:  at,
		TokenType:    "Bearer",
		ExpiresIn:    int64(s.lifetimeLocked() / time.Second),
		RefreshToken: g.refresh,
		Scope:        g.scope,
	})
}
