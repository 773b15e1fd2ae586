package mailparse

import (
	"regexp"
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	const letter = "From: Ivan <ivan@example.ru>\r\nTo: support@example.ru\r\nSubject: access\r\n" +
		"Message-ID: <1@example.ru>\r\n\r\nI cannot log in.\r\n"
	tests := []struct {
		name string
		raw  string
		same bool
	}{
		{"identical", letter, true},
		{"trace fields added by a relay", "Return-Path: <ivan@example.ru>\r\nDelivered-To: support@example.ru\r\n" +
			"Received: from mx.example.ru by mail.example.ru; Thu, 3 Dec 2026 10:00:00 +0300\r\n" +
			"X-Spam-Score: 0.1\r\nAuthentication-Results: mx; spf=pass\r\n" + letter, true},
		{"LF line endings", strings.ReplaceAll(letter, "\r\n", "\n"), true},
		{"header folded differently", strings.Replace(letter, "Subject: access", "Subject:\r\n  access", 1), true},
		{"field name case", strings.Replace(letter, "Subject:", "SUBJECT:", 1), true},
		{"trailing blank lines and spaces", letter + "  \r\n\r\n", true},
		{"another sender", strings.Replace(letter, "ivan@", "petr@", 1), false},
		{"another text", strings.Replace(letter, "log in", "pay", 1), false},
		{"another subject", strings.Replace(letter, "access", "access!", 1), false},
		{"a field added by the sender", strings.Replace(letter, "\r\n\r\n", "\r\nCc: x@example.ru\r\n\r\n", 1), false},
		{"a line added to the body", letter + "Ivan\r\n", false},
	}
	want := Fingerprint([]byte(letter))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fingerprint([]byte(tt.raw))
			if (got == want) != tt.same {
				t.Errorf("Fingerprint(%q) == Fingerprint(letter) is %v, want %v", tt.raw, got == want, tt.same)
			}
		})
	}
}

func TestFingerprintNoHeader(t *testing.T) {
	a, b := Fingerprint([]byte("just some text\n")), Fingerprint([]byte("other text\n"))
	if a == b {
		t.Errorf("two headerless texts share fingerprint %s", a)
	}
	if Fingerprint(nil) == "" {
		t.Error("Fingerprint(nil) is empty")
	}
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func FuzzFingerprint(f *testing.F) {
	for _, raw := range fixtures(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := Fingerprint(raw)
		if !hexSHA256.MatchString(got) {
			t.Fatalf("Fingerprint = %q, want 64 hex digits", got)
		}
		if again := Fingerprint(raw); again != got {
			t.Fatalf("Fingerprint is not deterministic: %s, then %s", got, again)
		}
		if trace := Fingerprint(append([]byte("Received: by relay\r\n"), raw...)); trace != got && startsWithField(raw) {
			t.Fatalf("a Received field changed the fingerprint of %q", raw)
		}
	})
}

// startsWithField reports whether raw begins with a header field that
// readHeader takes as the start of a header, and not with a line that would
// continue a field put in front of it.
func startsWithField(raw []byte) bool {
	var defects []string
	h, _, err := readHeader(raw, len(raw)+1, &defects)
	return err == nil && len(h) > 0 && raw[0] != ' ' && raw[0] != '\t' && !strings.HasPrefix(string(raw), "From ")
}
