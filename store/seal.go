package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrNoKey is returned when a sealed letter, file or field is read without
// the key. A store opened for use (cmd/ticketd) never gets that far: Unlock
// without a key refuses an encrypted store at start (ErrEncrypted).
var ErrNoKey = errors.New("store: letter is encrypted and no key is set (store.key_file)")

// KeySize is the length of a master key (the key file) and of a data key:
// AES-256.
const KeySize = 32

// sealer encrypts with AES-256-GCM, with one key: the store's data key
// (keys.go) for rows, or a master key for the data key it wraps. A sealed
// value is a random 12-byte nonce followed by the ciphertext and tag. The
// associated data names what the value is, so that it cannot be moved to
// another row unnoticed: the SHA-256 of the plaintext for letters and
// files (with the piece's place for pieces, chunks.go), the note's row and
// ticket (notes.go), the user's row for TOTP secrets (users.go), the row
// for sealed fields (fields.go), the id for data keys; descriptions have a
// fixed one ("ticket description"). Rows are sealed with data key 1: the
// flags sealed, description_sealed and totp_sealed, and a sealed_* column
// that is not NULL, mean that.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("store: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("store: key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("store: key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal returns what to store for plain, and whether it is sealed.
func (s *sealer) seal(plain []byte, sum string) ([]byte, bool) {
	if s == nil {
		return plain, false
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, []byte(sum)), true
}

// open returns the plaintext of a stored value.
func (s *sealer) open(stored []byte, sealed bool, sum string) ([]byte, error) {
	if !sealed {
		return stored, nil
	}
	if s == nil {
		return nil, ErrNoKey
	}
	n := s.aead.NonceSize()
	if len(stored) < n {
		return nil, errors.New("store: sealed value is truncated")
	}
	plain, err := s.aead.Open(nil, stored[:n], stored[n:], []byte(sum))
	if err != nil {
		return nil, fmt.Errorf("store: sealed value does not open with this key: %w", err)
	}
	return plain, nil
}

// ReadKey reads a key file: 64 hexadecimal digits (32 bytes), as
// "ticketd keygen" and "ticketd keys rotate" write it.
func ReadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("store: key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("store: key %s: want %d hexadecimal digits", path, 2*KeySize)
	}
	return key, nil
}

// NewKey returns a fresh random master key, hex-encoded for a key file.
func NewKey() string {
	key := make([]byte, KeySize)
	rand.Read(key)
	return hex.EncodeToString(key)
}
