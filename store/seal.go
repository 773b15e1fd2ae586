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

// ErrNoKey is returned when a sealed letter or file is read without the key.
var ErrNoKey = errors.New("store: letter is encrypted and no key is set (store.key_file)")

// KeySize is the length of a store key: AES-256.
const KeySize = 32

// sealer encrypts the raw bytes of letters and the contents of files with
// AES-256-GCM. The SHA-256 of the plaintext is the associated data, so a
// sealed value cannot be moved to another row unnoticed.
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

// UseKey makes the store encrypt letters and files written from now on, and
// decrypt those read. Rows written before a key was set stay readable.
// The search index is hashed with a key derived from it (blind.go): an
// index built without it, or with another, must be rebuilt (Reindex).
func (db *DB) UseKey(key []byte) error {
	s, err := newSealer(key)
	if err != nil {
		return err
	}
	db.seal = s
	db.index = newBlindIndex(key)
	return nil
}

// ReadKey reads a key file: 64 hexadecimal digits (32 bytes), as
// "ticketd keygen" writes it.
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

// NewKey returns a fresh random key, hex-encoded for a key file.
func NewKey() string {
	key := make([]byte, KeySize)
	rand.Read(key)
	return hex.EncodeToString(key)
}
