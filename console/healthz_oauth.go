package console

import (
	"context"
	"slices"
	"time"

	"github.com/ticketd/ticketd/store"
)

// OAuthTokens says how the OAuth2 accounts' tokens stand: *store.DB.
type OAuthTokens interface {
	OAuthTokens(ctx context.Context) ([]store.OAuthToken, error)
}

// oauthProblem is an OAuth2 account /healthz reports: its last refresh
// failed, or it never logged in. It names the account only: the reason,
// which the server wrote, is in the log and "ticketd oauth status".
type oauthProblem struct {
	Account string `json:"account"`
	Problem string `json:"problem"`         // "refresh failed" or "no token"
	Since   string `json:"since,omitempty"` // RFC 3339: when the refresh failed
}

// oauthProblems returns the configured OAuth2 accounts (h.oauthAccounts)
// whose refresh failed or that have no token, by name.
func (h health) oauthProblems(ctx context.Context) ([]oauthProblem, error) {
	if h.oauth == nil || len(h.oauthAccounts) == 0 {
		return nil, nil
	}
	toks, err := h.oauth.OAuthTokens(ctx)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]store.OAuthToken, len(toks))
	for _, t := range toks {
		byName[t.Account] = t
	}
	var out []oauthProblem
	for _, a := range slices.Sorted(slices.Values(h.oauthAccounts)) {
		t, ok := byName[a]
		switch {
		case !ok:
			out = append(out, oauthProblem{Account: a, Problem: "no token"})
		case t.Failure != "":
			out = append(out, oauthProblem{Account: a, Problem: "refresh failed", Since: t.FailedAt.UTC().Format(time.RFC3339)})
		}
	}
	return out, nil
}
