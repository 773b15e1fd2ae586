package mailparse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fixtures returns the .eml fixtures by name.
func fixtures(tb testing.TB) map[string][]byte {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil {
		tb.Fatal(err)
	}
	out := make(map[string][]byte)
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(name), ".eml")] = raw
	}
	return out
}

// TestFuzzSeeds checks that the seed corpus of the fuzz targets matches the
// .eml fixtures, and rewrites it when run with -update: each fixture for
// FuzzParse, its text for FuzzSplitQuote and its Subject field for
// FuzzDecodeText.
func TestFuzzSeeds(t *testing.T) {
	seed := func(target, name string, args ...any) {
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, a := range args {
			switch v := a.(type) {
			case []byte:
				fmt.Fprintf(&b, "[]byte(%q)\n", v)
			case string:
				fmt.Fprintf(&b, "string(%q)\n", v)
			}
		}
		dir := filepath.Join("testdata", "fuzz", target)
		path := filepath.Join(dir, name)
		if !*update {
			if got, err := os.ReadFile(path); err != nil || string(got) != b.String() {
				t.Errorf("seed %s is missing or out of date (%v); run go test -run TestFuzzSeeds -update", path, err)
			}
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, raw := range fixtures(t) {
		seed("FuzzParse", name, raw)
		if l, _ := Parse(raw, nil); l != nil && l.Text != "" {
			seed("FuzzSplitQuote", name, l.Text)
		}
		var defects []string
		if h, _, err := readHeader(raw, 1<<20, &defects); err == nil && h.get("Subject") != "" {
			seed("FuzzDecodeText", name, h.get("Subject"), "")
		}
	}
}

// fuzzLimits are small, so that the fuzzer reaches the limits often.
var fuzzLimits = Limits{MaxHeaderBytes: 4 << 10, MaxDepth: 8, MaxParts: 64, MaxTextBytes: 64 << 10}

// FuzzParse checks Parse's contract on any bytes. Seeds: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		start := time.Now()
		l, err := Parse(raw, &fuzzLimits)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Parse took %v on %d bytes", d, len(raw))
		}
		if errors.Is(err, errInternal) {
			t.Fatalf("Parse recovered a panic: %v", err)
		}
		if errors.Is(err, ErrRefused) {
			if l == nil || l.Text != "" || len(l.Parts) != 0 {
				t.Fatalf("Parse = %+v, %v; want the header's fields alone with ErrRefused", l, err)
			}
			return
		}
		if l == nil {
			t.Fatalf("Parse = nil, %v; want a letter", err)
		}
		if err != nil && !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrNoHeader) {
			t.Fatalf("Parse error %v wraps no sentinel", err)
		}
		if len(l.Text) > fuzzLimits.MaxTextBytes {
			t.Fatalf("len(Text) = %d, want <= %d", len(l.Text), fuzzLimits.MaxTextBytes)
		}
		for name, s := range map[string]string{
			"Text": l.Text, "Description": l.Description, "Quoted": l.Quoted, "Signature": l.Signature,
			"Subject": l.Subject, "From.Name": l.From.Name, "HTML": l.HTML,
		} {
			if !utf8.ValidString(s) {
				t.Fatalf("%s = %q, not valid UTF-8", name, s)
			}
		}
		for _, a := range append(append([]Address{l.From}, l.To...), l.ReplyTo...) {
			if strings.ContainsFunc(a.Name, isLineControl) || strings.Contains(a.Name, "@") || a.Name != strings.TrimSpace(a.Name) {
				t.Fatalf("display name %q is not one clean line without an @", a.Name)
			}
			if strings.ContainsFunc(a.Address, isLineControl) || a.Address != "" && !strings.Contains(a.Address, "@") {
				t.Fatalf("address %q", a.Address)
			}
		}
		switch {
		case l.Reply.Address == "" && (l.ReplyHeader != ReplyNone || l.Reply.Name != ""):
			t.Fatalf("Reply = %q from %q, want no header and no name without an address", l.Reply, l.ReplyHeader)
		case l.Reply.Address != "" && (l.ReplyHeader == ReplyNone || !answerable(l.Reply)):
			t.Fatalf("Reply = %q from %q, want an address that can be answered, and where it was found", l.Reply, l.ReplyHeader)
		case strings.ContainsFunc(l.Reply.Address, isLineControl), strings.ContainsFunc(l.Reply.Name, isLineControl),
			strings.Contains(l.Reply.Name, "@"), !utf8.ValidString(l.Reply.Name + l.Reply.Address):
			t.Fatalf("Reply = %q", l.Reply)
		}
		var parts int
		for _, p := range l.Parts {
			parts += len(p.Body)
		}
		if parts > len(raw) {
			t.Fatalf("attachments hold %d bytes of a %d-byte message", parts, len(raw))
		}
	})
}

// FuzzSplitQuote checks that splitQuote only sorts lines and never makes
// text up. Seeds: testdata/fuzz/FuzzSplitQuote.
func FuzzSplitQuote(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		sp := splitQuote(text)
		lines := make(map[string]bool)
		for _, line := range strings.Split(text, "\n") {
			lines[strings.TrimSpace(line)] = true
		}
		for _, piece := range []string{sp.desc, sp.quoted, sp.sig} {
			for _, line := range strings.Split(piece, "\n") {
				if tl := strings.TrimSpace(line); tl != "" && !lines[tl] {
					t.Fatalf("splitQuote(%q) made up the line %q", text, line)
				}
			}
		}
		if got := len(sp.desc) + len(sp.quoted) + len(sp.sig); got > len(text) {
			t.Fatalf("splitQuote(%q) returned %d bytes from %d", text, got, len(text))
		}
	})
}

// FuzzDecodeText checks that header decoding of encoded words and raw 8-bit
// bytes always gives clean UTF-8. Seeds: testdata/fuzz/FuzzDecodeText and
// the words below.
func FuzzDecodeText(f *testing.F) {
	for _, s := range []string{
		"=?windows-1251?B?0e/g8eji7iDn4CDn4Ofu8A==?=",
		"=?koi8-r?Q?=F3=D0=C9=D3=CF=CB?=",
		"\xd1\xef\xe0\xf1\xe8\xe1\xee", // cp1251, raw
		"\xf3\xd0\xc1\xd3\xc9\xc2\xcf", // KOI8-R, raw
		"=?utf-8?B?0J/RgNC40LI=?= =?utf-8?B?0LXRgg==?=",
		"=?utf-8?q?broken word?= =?x-unknown?b?////?=",
		"Re: =?UTF-8?B?0JI=?=\r\n =?UTF-8?B?0L7Qv9GA0L7RgQ==?=",
	} {
		f.Add(s, "")
		f.Add(s, "koi8-r")
	}
	f.Fuzz(func(t *testing.T, s, hint string) {
		got := decodeText(s, hint)
		if !utf8.ValidString(got) {
			t.Fatalf("decodeText(%q) = %q, not valid UTF-8", s, got)
		}
		if strings.ContainsAny(got, "\r\n\x00") {
			t.Fatalf("decodeText(%q) = %q, has control characters", s, got)
		}
	})
}

// FuzzAddressList checks that parseAddressList and readAddressField give
// addresses with an '@' and no control character, and names on one line
// without an '@'. Seeds: the poison From fields below.
func FuzzAddressList(f *testing.F) {
	for _, s := range []string{
		`"Магазин "Ромашка <shop@example.ru>`, `"Ivanov \" <a@example.ru>`, `"evil@attacker.example" <victim@example.ru>`,
		`"a@x.ru, b@y.ru" <c@z.ru>`, `a@@example.ru`, `a@b@example.ru`, `"john smith"@example.ru`, `иван@пример.рф`,
		`=?utf-8?q?a=0D=0ABcc:_x@y?= <v@example.ru>`, `=?utf-8?b?4oCo?= <v@example.ru>`, `undisclosed-recipients:;`,
		`Ivan <ivan@example.ru`, `ivan..petrov@example.ru, "Petr" <petr@example.ru>`, "\xcf\xe5\xf2\xf0\xee\xe2 <p@example.ru>",
	} {
		f.Add(s)
	}
	for _, s := range []string{
		"=?utf-8?b?0JjQstCw0L0g0J/QtdGC0YDQvtCyIDxpdmFuQGV4YW1wbGUucnU+?=", "=?utf-8?q?ivan@example.ru?=", `"ivan@example.ru" <>`,
		"ivan@example.ru <invalid>", `"Иван Петров ivan@example.ru" <>`, "***ivan@example.ru***", `"a@x.ru, b@y.ru" <>`,
		`"ivan@example.ru" <noreply@form.example>`, "=?utf-8?b?0JjQstCw0L0g0J/Q?= =?utf-8?b?tdGC0YDQvtCyIDxpdmFuQGV4YW1wbGUucnU+?=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, a := range readAddressField(v, "") {
			if !utf8.ValidString(a.Name) || strings.ContainsFunc(a.Name, isLineControl) || strings.Contains(a.Name, "@") ||
				a.Name != strings.Join(strings.Fields(a.Name), " ") {
				t.Fatalf("readAddressField(%q): name %q is not one clean line without an @", v, a.Name)
			}
			if !strings.Contains(a.Address.Address, "@") || strings.ContainsFunc(a.Address.Address, isLineControl) {
				t.Fatalf("readAddressField(%q): address %q", v, a.Address.Address)
			}
			if a.how == displayName && !plausibleAddress(a.Address.Address) {
				t.Fatalf("readAddressField(%q): %q from a display name", v, a.Address.Address)
			}
		}
		for _, a := range parseAddressList(v, "") {
			if !utf8.ValidString(a.Name) || strings.ContainsFunc(a.Name, isLineControl) || strings.Contains(a.Name, "@") ||
				a.Name != strings.Join(strings.Fields(a.Name), " ") {
				t.Fatalf("parseAddressList(%q): name %q is not one clean line without an @", v, a.Name)
			}
			if !strings.Contains(a.Address, "@") || strings.ContainsFunc(a.Address, isLineControl) {
				t.Fatalf("parseAddressList(%q): address %q", v, a.Address)
			}
		}
	})
}
