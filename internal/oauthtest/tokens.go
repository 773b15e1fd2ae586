package oauthtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// ErrRefused is returned (wrapped) by Tokens.Token when the server refuses
// a refresh.
var ErrRefused = errors.New("oauthtest: refresh refused")

// Tokens is a minimal client of a Server for tests of code that consumes
// access tokens (daemon.TokenSource, replies.TokenSource): Token gives the
// access token it holds, refreshing it at the server when there is none;
// Rejected drops the token it is told was refused. It has none of a real
// source's care (no expiry margin, no storage). Safe for concurrent use.
type Tokens struct {
	tokenURL, clientID string

	mu       sync.Mutex
	access   string
	refresh  string
	issued   []string // every access token handed out, in order
	rejected []string
}

// Tokens returns a Tokens that starts with accessToken and refreshes with
// refreshToken as client clientID (as from Grant).
func (s *Server) Tokens(clientID, accessToken, refreshToken string) *Tokens {
	return &Tokens{tokenURL: s.TokenURL, clientID: clientID, access: accessToken, refresh: refreshToken}
}

// Token returns the access token held, refreshing it first when there is
// none.
func (t *Tokens) Token(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.access == "" {
		if err := t.refreshLocked(ctx); err != nil {
			return "", err
		}
	}
	t.issued = append(t.issued, t.access)
	return t.access, nil
}

// Rejected drops token if it is the one held.
func (t *Tokens) Rejected(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rejected = append(t.rejected, token)
	if token == t.access {
		t.access = ""
	}
}

// RefreshToken returns the refresh token held now.
func (t *Tokens) RefreshToken() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.refresh
}

// Issued returns every access token Token gave, in order.
func (t *Tokens) Issued() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.issued)
}

// RejectedTokens returns every token Rejected was told of, in order.
func (t *Tokens) RejectedTokens() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.rejected)
}

// refreshLocked runs grant_type=refresh_token and keeps the rotated tokens.
func (t *Tokens) refreshLocked(ctx context.Context) error {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {t.refresh}, "client_id": {t.clientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("oauthtest: refresh: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("oauthtest: refresh: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Error        string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("oauthtest: refresh: decode answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		return fmt.Errorf("%w: %d %s", ErrRefused, resp.StatusCode, body.Error)
	}
	t.access = body.AccessToken
	if body.RefreshToken != "" {
		t.refresh = body.RefreshToken
	}
	return nil
}
