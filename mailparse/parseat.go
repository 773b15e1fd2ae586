package mailparse

import (
	"fmt"
	"io"
)

// lazyBody is a part's content left in the source of ParseAt.
type lazyBody struct{}

func (lb *lazyBody) open() io.Reader { return nil }

// ParseAt reads one message of size bytes from r as Parse reads it, with
// the same Letter and the same errors.
func ParseAt(r io.ReaderAt, size int64, lim *Limits) (*Letter, error) {
	raw := make([]byte, size)
	if _, err := r.ReadAt(raw, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("mailparse: read letter: %w", err)
	}
	return Parse(raw, lim)
}

// FingerprintAt is Fingerprint of the size bytes of r.
func FingerprintAt(r io.ReaderAt, size int64) (string, error) {
	raw := make([]byte, size)
	if _, err := r.ReadAt(raw, 0); err != nil && err != io.EOF {
		return "", fmt.Errorf("mailparse: read letter: %w", err)
	}
	return Fingerprint(raw), nil
}
