package main

import (
	"errors"
	"os"
	"strings"
	"time"
)

// defaultStaleAfter is [daemon] stale_after when the file is silent: five
// minutes of a mailbox server away and its backoff to 5 minutes, twice.
const defaultStaleAfter = 10 * time.Minute

// minTokenLength is the shortest [metrics] token_file ticketd accepts.
const minTokenLength = 16

// MetricsConfig is the [metrics] section: where Prometheus reads
// ticketd's metrics (package metrics). Address is a listener of its own,
// serving only /metrics, without sign-in (keep it on loopback or a
// network only the scraper reaches); TokenFile holds a bearer token that
// every /metrics request must carry, and with it the console serves
// /metrics on its address too. Neither set: no metrics are served.
type MetricsConfig struct {
	Address   string `toml:"address"`
	TokenFile string `toml:"token_file"`

	// Token is TokenFile's content, set by LoadConfig; "" without one.
	Token string `toml:"-"`
}

// readToken reads the bearer token in file: one line of at least
// minTokenLength characters. An empty file name is no token.
func readToken(file string) (string, error) {
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(string(b))
	switch {
	case strings.ContainsAny(tok, " \t\r\n"):
		return "", errors.New("want one token on one line")
	case len(tok) < minTokenLength:
		return "", errors.New("want a token of at least 16 characters, e.g. from \"openssl rand -hex 32\"")
	}
	return tok, nil
}
