package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// tokenPrefix marks ticketd's API tokens, so that a secret scanner can
// recognise one pasted where it should not be.
const tokenPrefix = "tkd_"

// NewToken returns a new bearer token (256 random bits) and the SHA-256 to
// store in its place.
func NewToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("accounts: new token: %w", err)
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the SHA-256 of a token, the key under which the store
// keeps it. Tokens carry 256 random bits, so a fast hash is enough: there
// is nothing to guess.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
