package terminal

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// hostile holds what a letter may carry to act on a terminal, each with
// its escape.
var hostile = []struct {
	name, in, want string
}{
	{"clear screen", "\x1b[2J", `\u001b[2J`},
	{"window title (OSC 0)", "\x1b]0;pwned\x07", `\u001b]0;pwned\u0007`},
	{"clipboard write (OSC 52)", "\x1b]52;c;Y3VybCBldmlsLnNo\x07", `\u001b]52;c;Y3VybCBldmlsLnNo\u0007`},
	{"hidden link (OSC 8)", "\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\", `\u001b]8;;http://evil/\u001b\click\u001b]8;;\u001b\`},
	{"bell", "\a", `\u0007`},
	{"backspaces over text", "yes\b\b\bno ", `yes\u0008\u0008\u0008no `},
	{"carriage return", "paid\rfail", `paid\u000dfail`},
	{"NUL", "a\x00b", `a\u0000b`},
	{"DEL", "a\x7fb", `a\u007fb`},
	{"CSI as a C1 character", "\u009b31m", `\u009b31m`},
	{"C1 as a raw byte", "\x9b31m", `\x9b31m`},
	{"NEL", "\u0085", `\u0085`},
	{"right-to-left override", "photo\u202egnp.exe", `photo\u202egnp.exe`},
	{"isolates", "\u2066a\u2067b\u2068c\u2069", `\u2066a\u2067b\u2068c\u2069`},
	{"embeddings and pop", "\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
	{"implicit marks", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
	{"line and paragraph separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
	{"a cut UTF-8 sequence", "ab\xe2\x82", `ab\xe2\x82`},
	{"a stray continuation byte", "\x80Я", `\x80Я`},
	{"an overlong encoding", "\xc0\xaf", `\xc0\xaf`},
	{"a surrogate", "\xed\xa0\x80", `\xed\xa0\x80`},
}

func TestEscape(t *testing.T) {
	tests := append(hostile[:len(hostile):len(hostile)], []struct{ name, in, want string }{
		{"Russian text", "Не могу войти в личный кабинет", "Не могу войти в личный кабинет"},
		{"tab and line feed kept", "a\tb\nc", "a\tb\nc"},
		{"emoji with a joiner kept", "👩\u200d💻", "👩\u200d💻"},
		{"replacement character kept", "\ufffd", "\ufffd"},
		{"backslash kept", `C:\Users`, `C:\Users`},
		{"Arabic letters kept", "مرحبا", "مرحبا"},
		{"empty", "", ""},
	}...)
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%s %q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestEscapeLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Subject\nTKT-000002  new  high", `Subject\u000aTKT-000002  new  high`},
		{"a\tb", `a\u0009b`},
		{"\x1b[2J", `\u001b[2J`},
		{"Вопрос", "Вопрос"},
	}
	for _, tt := range tests {
		if got := EscapeLine(tt.in); got != tt.want {
			t.Errorf("EscapeLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"Вопрос", 6, "Вопрос"},
		{"Вопрос о льготе", 6, "Вопро…"},
		{"ab\x1b[2J", 8, "ab…"}, // the escape would not fit whole
		{"ab\x1b[2J", 9, `ab\u001b…`},
		{"ab\x1b[2J", 11, `ab\u001b[2J`},
		{"\u202eexe", 4, "…"},
		{"\u202eexe", 9, `\u202eexe`},
		{"ab\xff", 6, `ab\xff`},
		{"ab\xffcd", 6, "ab…"},
		{"x", 0, "x"},
		{"xy", 0, "…"},
	}
	for _, tt := range tests {
		if got := Clip(tt.in, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestWriterSplitsCharactersAcrossWrites(t *testing.T) {
	in := "Ошибка \x1b[2J № 5\u202e €\xe2\x82 end\x9b"
	for cut1 := 0; cut1 <= len(in); cut1++ {
		for cut2 := cut1; cut2 <= len(in); cut2++ {
			var out bytes.Buffer
			w := NewWriter(&out)
			for _, part := range []string{in[:cut1], in[cut1:cut2], in[cut2:]} {
				if n, err := w.Write([]byte(part)); n != len(part) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", part, n, err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if got, want := out.String(), Escape(in); got != want {
				t.Fatalf("written in three at %d and %d = %q, want %q", cut1, cut2, got, want)
			}
		}
	}
}

func TestWriterHoldsAnUnfinishedCharacter(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	w.Write([]byte("цена 5 \xe2\x82"))
	if got := out.String(); got != "цена 5 " {
		t.Errorf("after a Write ending in half a €: %q, want the € held", got)
	}
	w.Write([]byte("\xac"))
	if got := out.String(); got != "цена 5 €" {
		t.Errorf("after the rest of the €: %q", got)
	}
	w.Write([]byte("\xe2"))
	w.Flush()
	if got := out.String(); got != `цена 5 €\xe2` {
		t.Errorf("after Flush of half a character: %q", got)
	}
}

// failing fails every Write after the first n bytes.
type failing struct{ n int }

func (f *failing) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return len(p), nil
	}
	n := f.n
	f.n = 0
	return n, errors.New("disk full")
}

func TestWriterReportsErrors(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  int
	}{
		{"plain text", 5, 5},   // nothing to escape: what the wrapped writer says
		{"\x1b[2J text", 5, 0}, // escaped: nothing of p can be said to be written
	}
	for _, tt := range tests {
		n, err := NewWriter(&failing{tt.limit}).Write([]byte(tt.in))
		if n != tt.want || err == nil {
			t.Errorf("Write(%q) to a writer that fails after %d bytes = %d, %v; want %d and the error", tt.in, tt.limit, n, err, tt.want)
		}
	}
}

// checkSafe fails t when out holds anything Escape must have escaped.
func checkSafe(t *testing.T, out string, line bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%q is not valid UTF-8", out)
	}
	for _, r := range out {
		switch {
		case r == '\n' || r == '\t':
			if line {
				t.Fatalf("%q holds %U on one line", out, r)
			}
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, r == '\u2028', r == '\u2029', unicode.Is(unicode.Bidi_Control, r):
			t.Fatalf("%q holds %U", out, r)
		}
	}
}

// FuzzEscape asserts that nothing Escape, EscapeLine, Clip or a Writer
// returns can act on a terminal, that a Writer writes what Escape returns
// however the input is cut, and that escaping twice changes nothing.
func FuzzEscape(f *testing.F) {
	for _, h := range hostile {
		f.Add([]byte(h.in), uint16(1), uint16(3), uint8(10))
	}
	f.Add([]byte("Ошибка € \xe2\x82"), uint16(8), uint16(15), uint8(4))
	f.Fuzz(func(t *testing.T, in []byte, cut1, cut2 uint16, n uint8) {
		s := string(in)
		out := Escape(s)
		checkSafe(t, out, false)
		if again := Escape(s); again != out {
			t.Fatalf("Escape(%q) = %q, then %q", s, out, again)
		}
		if twice := Escape(out); twice != out {
			t.Fatalf("Escape(Escape(%q)) = %q, want %q", s, twice, out)
		}
		line := EscapeLine(s)
		checkSafe(t, line, true)
		clipped := Clip(s, int(n))
		checkSafe(t, clipped, true)
		if utf8.RuneCountInString(clipped) > max(int(n), 1) {
			t.Fatalf("Clip(%q, %d) = %q, %d characters", s, n, clipped, utf8.RuneCountInString(clipped))
		}
		if clipped != line && !strings.HasPrefix(line, strings.TrimSuffix(clipped, "…")) {
			t.Fatalf("Clip(%q, %d) = %q, not a start of %q", s, n, clipped, line)
		}
		a := min(int(cut1), len(in))
		b := min(max(int(cut2), a), len(in))
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for _, part := range [][]byte{in[:a], in[a:b], in[b:]} {
			w.Write(part)
		}
		w.Flush()
		if buf.String() != out {
			t.Fatalf("Writer cut at %d, %d wrote %q, want Escape's %q", a, b, buf.String(), out)
		}
	})
}
