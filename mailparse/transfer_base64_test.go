package mailparse

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// decodeBase64Simple is decodeBase64 written plainly, with a cleaned copy
// of the input: the reference the one-allocation version must agree with.
func decodeBase64Simple(b []byte) (out []byte, junk, n int) {
	var clean []byte
	for _, c := range b {
		switch {
		case b64Value[c] != 0xff, c == '=':
			clean = append(clean, c)
		case c == '\r', c == '\n', c == ' ', c == '\t':
		default:
			junk++
		}
	}
	n = len(clean) + junk
	for len(clean) > 0 {
		run := clean
		if i := bytes.IndexByte(clean, '='); i >= 0 {
			run = clean[:i]
			clean = bytes.TrimLeft(clean[i:], "=")
		} else {
			clean = nil
		}
		if len(run)%4 == 1 {
			run = run[:len(run)-1]
			junk++
		}
		d := make([]byte, base64.RawStdEncoding.DecodedLen(len(run)))
		m, _ := base64.RawStdEncoding.Decode(d, run)
		out = append(out, d[:m]...)
	}
	return out, junk, n
}

func TestDecodeBase64(t *testing.T) {
	long := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("скриншот ошибки "), 500))
	var wrapped []byte
	for s := long; s != ""; s = s[min(76, len(s)):] {
		wrapped = append(append(wrapped, s[:min(76, len(s))]...), "\r\n"...)
	}
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"padded", "0JTQsA=="},
		{"unpadded", "0JTQsA"},
		{"wrapped body", string(wrapped)},
		{"two runs, each padded", "0JTQsA==\r\n0JTQsA=="},
		{"run after single padding", "QQ=QUJD"},
		{"junk inside", "0JT*Qs!A=="},
		{"one character too many", "QUJDR"},
		{"lone character between paddings", "QUJD=R=QUJD"},
		{"only padding", "===="},
		{"not base64 at all", "Здравствуйте, мусор!"},
		{"white space everywhere", " Q U\tJ D\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, junk, n := decodeBase64([]byte(tt.in))
			wantOut, wantJunk, wantN := decodeBase64Simple([]byte(tt.in))
			if !bytes.Equal(out, wantOut) || junk != wantJunk || n != wantN {
				t.Errorf("decodeBase64(%.40q) = %q, %d, %d, want %q, %d, %d", tt.in, out, junk, n, wantOut, wantJunk, wantN)
			}
			if cap(out) != len(out) {
				t.Errorf("decodeBase64(%.40q) has capacity %d for %d bytes, want exact", tt.in, cap(out), len(out))
			}
		})
	}
}

func FuzzDecodeBase64(f *testing.F) {
	for _, s := range []string{"0JTQsA==", "QQ=QUJD", "0JT*Qs!A==\r\n", "QUJDR"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, junk, n := decodeBase64(b)
		wantOut, wantJunk, wantN := decodeBase64Simple(b)
		if !bytes.Equal(out, wantOut) || junk != wantJunk || n != wantN {
			t.Errorf("decodeBase64(%q) = %q, %d, %d, want %q, %d, %d", b, out, junk, n, wantOut, wantJunk, wantN)
		}
	})
}
