package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// ErrBadHash is returned for a stored password hash that is not an argon2id
// PHC string this package can check.
var ErrBadHash = errors.New("accounts: bad password hash")

// ErrWeakPassword is returned for a password too short to set.
var ErrWeakPassword = errors.New("accounts: password too short")

// MinPasswordLength is the fewest characters a password may have.
const MinPasswordLength = 12

// Params are the argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are chosen for a 2-core server: 64 MiB and 3 passes over 2
// lanes, RFC 9106's second recommended option with the lanes cut to the
// cores there are. One hash takes about 160 ms on a 2-core AMD EPYC and
// 64 MiB while it runs, so a console must limit how many logins it checks
// at once.
func DefaultParams() Params {
	return Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}
}

// Limits on parameters read from a stored hash, so that a tampered row
// cannot make a login take gigabytes or minutes.
const (
	maxMemory  = 1024 * 1024 // 1 GiB
	maxTime    = 16
	maxThreads = 16
)

// HashPassword returns the argon2id hash of password with p, as a PHC
// string: $argon2id$v=19$m=65536,t=3,p=2$salt$hash.
func HashPassword(password string, p Params) (string, error) {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return "", fmt.Errorf("%w: want at least %d characters", ErrWeakPassword, MinPasswordLength)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("accounts: hash password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC string hash,
// comparing in constant time. A hash it cannot read is ErrBadHash.
func VerifyPassword(hash, password string) (bool, error) {
	p, salt, key, err := parsePHC(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// parsePHC reads an argon2id PHC string.
func parsePHC(s string) (Params, []byte, []byte, error) {
	var p Params
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: want 5 fields separated by $", ErrBadHash)
	}
	if f[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm %q, want argon2id", ErrBadHash, f[1])
	}
	var v int
	if _, err := fmt.Sscanf(f[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: version %q, want v=%d", ErrBadHash, f[2], argon2.Version)
	}
	var tail string
	n, _ := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d%s", &p.Memory, &p.Time, &p.Threads, &tail)
	if n != 3 || p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory || p.Time < 1 || p.Time > maxTime ||
		p.Threads < 1 || p.Threads > maxThreads {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrBadHash, f[3])
	}
	salt, err := base64.RawStdEncoding.DecodeString(f[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrBadHash)
	}
	key, err := base64.RawStdEncoding.DecodeString(f[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, fmt.Errorf("%w: hash", ErrBadHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
