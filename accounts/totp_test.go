package accounts

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTOTPEnrolVerify(t *testing.T) {
	e, err := NewTOTP("anna")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(e.URI)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != e.Secret ||
		u.Query().Get("issuer") != Issuer || !strings.Contains(u.Path, "anna") {
		t.Fatalf("URI = %q (%v), want otpauth://totp/ticketd:anna?secret=%s&issuer=ticketd", e.URI, err, e.Secret)
	}
	at := time.Date(2026, 12, 3, 10, 0, 15, 0, time.UTC) // 15 s into a 30 s step
	code, err := TOTPCode(e.Secret, at)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		code string
		at   time.Time
		want bool
	}{
		{"same step", code, at, true},
		{"next step (skew)", code, at.Add(30 * time.Second), true},
		{"step before (skew)", code, at.Add(-30 * time.Second), true},
		{"two steps later", code, at.Add(60 * time.Second), false},
		{"wrong code", flip(code), at, false},
		{"empty", "", at, false},
		{"letters", "abcdef", at, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := VerifyTOTP(e.Secret, tc.code, tc.at); got != tc.want {
				t.Errorf("VerifyTOTP(%q, %v) = %v, want %v", tc.code, tc.at, got, tc.want)
			}
		})
	}
}

// TestTOTPKnownAnswer checks against RFC 6238 Appendix B (SHA-1, at 59 s:
// 94287082, of which 6 digits are 287082).
func TestTOTPKnownAnswer(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of "12345678901234567890"
	code, err := TOTPCode(secret, time.Unix(59, 0))
	if err != nil || code != "287082" {
		t.Errorf("TOTPCode(RFC 6238, 59) = %q, %v, want 287082", code, err)
	}
}

// flip changes the last digit of a code.
func flip(code string) string {
	last := code[len(code)-1]
	return code[:len(code)-1] + string('0'+(last-'0'+1)%10)
}
