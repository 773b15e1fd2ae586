package accounts

import (
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Issuer names ticketd in authenticator apps.
const Issuer = "ticketd"

// Enrolment is a new TOTP second factor: the secret to store, and the
// otpauth:// URI that an authenticator app reads (from a QR code).
type Enrolment struct {
	Secret string // base32, as authenticator apps take it
	URI    string
}

// totpOpts are the parameters of every code: RFC 6238's defaults (SHA-1,
// 6 digits, 30 seconds), the only ones all authenticator apps follow, and
// one step of skew either side for clocks that drift.
func totpOpts() totp.ValidateOpts {
	return totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
}

// NewTOTP makes a new TOTP secret for user name.
func NewTOTP(name string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: name, SecretSize: 20})
	if err != nil {
		return Enrolment{}, fmt.Errorf("accounts: totp for %s: %w", name, err)
	}
	return Enrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// VerifyTOTP reports whether code is the TOTP code of secret at time at,
// or of the step before or after it.
func VerifyTOTP(secret, code string, at time.Time) bool {
	_, ok := matchTOTP(secret, code, at)
	return ok
}

// matchTOTP returns the time step (Unix seconds / 30) whose code is code,
// among the step of at and those either side of it, comparing in constant
// time.
func matchTOTP(secret, code string, at time.Time) (int64, bool) {
	opts := totpOpts()
	period := int64(opts.Period)
	step := at.Unix() / period
	for _, s := range []int64{step - 1, step, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*period, 0), opts)
		if err == nil && len(code) == len(want) && subtle.ConstantTimeCompare([]byte(code), []byte(want)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPCode returns the code of secret at time at; tests and the
// enrolment check use it.
func TOTPCode(secret string, at time.Time) (string, error) {
	code, err := totp.GenerateCodeCustom(secret, at, totpOpts())
	if err != nil {
		return "", fmt.Errorf("accounts: totp code: %w", err)
	}
	return code, nil
}
