package accounts

import (
	"errors"
	"strings"
	"testing"
)

// fast are cheap parameters for tests that hash many times.
func fast() Params { return Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32} }

func TestHashVerifyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Params
	}{
		{"default", DefaultParams()},
		{"fast", fast()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := HashPassword("correct horse battery", tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(h, "$argon2id$v=19$m=") {
				t.Errorf("HashPassword = %q, want a PHC argon2id string", h)
			}
			if ok, err := VerifyPassword(h, "correct horse battery"); !ok || err != nil {
				t.Errorf("VerifyPassword(right) = %v, %v, want true, nil", ok, err)
			}
			if ok, err := VerifyPassword(h, "correct horse battery!"); ok || err != nil {
				t.Errorf("VerifyPassword(wrong) = %v, %v, want false, nil", ok, err)
			}
		})
	}
}

func TestHashSaltsEachTime(t *testing.T) {
	a, _ := HashPassword("correct horse battery", fast())
	b, _ := HashPassword("correct horse battery", fast())
	if a == b {
		t.Errorf("two hashes of one password are equal: %s", a)
	}
}

func TestDefaultParamsInHash(t *testing.T) {
	h, err := HashPassword("correct horse battery", DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "$m=65536,t=3,p=2$") {
		t.Errorf("HashPassword = %q, want m=65536,t=3,p=2", h)
	}
}

func TestWeakPassword(t *testing.T) {
	if _, err := HashPassword("short", fast()); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("HashPassword(short) error = %v, want ErrWeakPassword", err)
	}
}

func TestVerifyBadHash(t *testing.T) {
	good, _ := HashPassword("correct horse battery", fast())
	f := strings.Split(good, "$")
	salt, key := f[4], f[5]
	for _, tc := range []struct{ name, hash string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing field", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"extra field", good + "$x"},
		{"no leading dollar", strings.TrimPrefix(good, "$")},
		{"params garbled", "$argon2id$v=19$m=x,t=1,p=1$" + salt + "$" + key},
		{"params trailing", "$argon2id$v=19$m=64,t=1,p=1,k=2$" + salt + "$" + key},
		{"zero time", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"zero threads", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"huge memory", "$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key},
		{"huge time", "$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key},
		{"salt not base64", "$argon2id$v=19$m=64,t=1,p=1$!!!$" + key},
		{"salt short", "$argon2id$v=19$m=64,t=1,p=1$AAAA$" + key},
		{"hash short", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := VerifyPassword(tc.hash, "correct horse battery")
			if ok || !errors.Is(err, ErrBadHash) {
				t.Errorf("VerifyPassword(%q) = %v, %v, want false, ErrBadHash", tc.hash, ok, err)
			}
		})
	}
}

func TestDummyHashParses(t *testing.T) {
	if _, _, _, err := parsePHC(dummyHash); err != nil {
		t.Errorf("parsePHC(dummyHash) = %v", err)
	}
}

func BenchmarkHashDefault(b *testing.B) {
	for b.Loop() {
		HashPassword("correct horse battery", DefaultParams())
	}
}
