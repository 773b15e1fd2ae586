package applications

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParseCSV: any file gives a register or an error, never a panic; a
// register holds only applications Lookup could return: a number it can be
// asked for, a valid status, an address.
func FuzzParseCSV(f *testing.F) {
	for _, seed := range []string{
		"2026-004512,approved,m.sidorova@example.ru\n",
		"number,status,email\r\n# c\r\n 1 , Rejected , a@example.ru\r\n\r\n",
		"\uFEFFEmail,Number,Decided,STATUS\n\"a@example.ru\",12345,\"x, y\",approved\n",
		"12345,approved,\"a@example.ru\n",
		"number,number,status,email\n",
		"1,in_progress,a@b\n1,approved,a@b\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		apps, err := parseCSV(bytes.NewReader(b))
		if err != nil {
			if apps != nil {
				t.Errorf("parseCSV() = %d applications and error %v, want none with an error", len(apps), err)
			}
			return
		}
		for number, a := range apps {
			if a.Number != number || checkNumber(number) != nil || !a.Status.Valid() || !strings.Contains(a.Email, "@") {
				t.Errorf("parseCSV() gave %+v under %q", a, number)
			}
		}
	})
}

// FuzzDecodeAnswer: any answer gives an application or an error, never a
// panic; an application has a valid status and an address; an error
// quotes at most a status cut short.
func FuzzDecodeAnswer(f *testing.F) {
	for _, seed := range []string{
		`{"status": "approved", "email": "m.sidorova@example.ru"}`,
		`{"status": "in_progress", "email": "a@example.ru", "extra": [1, 2]}`,
		`{"status": 2, "email": "a@example.ru"}`,
		`{"status": "Approved"}`,
		`null`, `[]`, `"approved"`, `{"status": "approved", "email": a}`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := decodeAnswer(b)
		if err != nil {
			if a != (Application{}) {
				t.Errorf("decodeAnswer() = %+v and error %v, want nothing with an error", a, err)
			}
			if len(err.Error()) > 200 {
				t.Errorf("decodeAnswer() error is %d bytes long: %q", len(err.Error()), err)
			}
			return
		}
		if !a.Status.Valid() || strings.TrimSpace(a.Email) == "" || a.Email != strings.TrimSpace(a.Email) {
			t.Errorf("decodeAnswer(%q) = %+v", b, a)
		}
	})
}
