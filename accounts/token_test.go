package accounts

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	tok, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "tkd_") || len(tok) != 4+43 {
		t.Errorf("NewToken = %q, want tkd_ and 43 base64url characters", tok)
	}
	sum := sha256.Sum256([]byte(tok))
	if !bytes.Equal(hash, sum[:]) || !bytes.Equal(HashToken(tok), hash) {
		t.Errorf("NewToken hash = %x, want SHA-256 of the token %x", hash, sum)
	}
	tok2, hash2, _ := NewToken()
	if tok2 == tok || bytes.Equal(hash2, hash) {
		t.Errorf("two tokens are equal: %s", tok)
	}
}

func TestParseRole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Role
		ok   bool
	}{
		{"operator", RoleOperator, true},
		{"auditor", RoleAuditor, true},
		{"admin", RoleAdmin, true},
		{"Admin", "", false},
		{"root", "", false},
		{"", "", false},
	} {
		got, err := ParseRole(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseRole(%q) = %q, %v, want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
