package attachments

import (
	"bytes"
	"context"
	"image"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/ticketd/ticketd/mailparse"
)

// FuzzCheck feeds arbitrary parts to the inspection without the recover
// of Check, so that a panic is a failure, and asserts what every Verdict
// must hold. The seed corpus in testdata/fuzz/FuzzCheck holds the small
// files of testdata.
func FuzzCheck(f *testing.F) {
	f.Add([]byte("%PDF-1.7\n1 0 obj<</Type/Page>>endobj\n%%EOF"), "a.pdf", false)
	f.Add([]byte("\x89PNG\r\n\x1a\n"), "", true)
	f.Add([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "photo\u202egnp.exe", false)
	f.Add(craftPNG(1000, 1000, 16, 0, true, trns), "scan.png", false)
	f.Add(craftJPEG(1000, 1000, 0xc2, []byte{0x22, 0x11, 0x11, 0x22}, "", adobe(2)), "scan.jpg", false)
	pol := DefaultPolicy()
	pol.MaxPixels = 2_000_000 // keep each run fast
	f.Fuzz(func(t *testing.T, body []byte, name string, inline bool) {
		p := mailparse.Part{Filename: name, Body: body, Inline: inline, ContentType: "image/png"}
		orig := bytes.Clone(body)
		v := inspect(context.Background(), p, describe(p, 1), pol)
		if !bytes.Equal(body, orig) {
			t.Fatal("Check modified the part's bytes")
		}
		checkFilename(t, v.Filename)
		switch {
		case v.Accepted && (v.Skipped || v.Reason != ReasonNone):
			t.Fatalf("Check = accepted, skipped %v, reason %q", v.Skipped, v.Reason)
		case !v.Accepted && !v.Skipped && v.Reason == ReasonNone:
			t.Fatal("Check = neither accepted, skipped nor rejected")
		case v.Skipped && !inline:
			t.Fatal("Check skipped a part that is not inline")
		}
		if images := v.Accepted && isImage(v.DetectedType); (v.Thumbnail != nil) != images || (v.Display != nil) != images {
			t.Fatalf("Check = thumbnail %v, display %v for accepted %v %s", v.Thumbnail != nil, v.Display != nil, v.Accepted, v.DetectedType)
		}
		if v.Accepted && isImage(v.DetectedType) {
			checkThumbnail(t, v, pol.ThumbWidth)
			cfg, _, err := image.DecodeConfig(bytes.NewReader(v.Display.Bytes()))
			if err != nil || !(cfg.Width == v.Width && cfg.Height == v.Height || cfg.Width == v.Height && cfg.Height == v.Width) {
				t.Fatalf("Display of a %d×%d image = %d×%d, %v", v.Width, v.Height, cfg.Width, cfg.Height, err)
			}
		}
		if v.Accepted && v.DetectedType == typePDF && v.Pages < 1 {
			t.Fatalf("Check accepted a PDF of %d pages", v.Pages)
		}
		if got := v.Explain("ru"); (got == "") != (v.Reason == ReasonNone) {
			t.Fatalf("Explain = %q for reason %q", got, v.Reason)
		}
	})
}

// checkFilename asserts that a Verdict.Filename is safe.
func checkFilename(t *testing.T, name string) {
	t.Helper()
	switch {
	case name == "":
		t.Fatal("Filename is empty")
	case strings.ContainsAny(name, `/\`):
		t.Fatalf("Filename %q holds a path separator", name)
	case strings.HasPrefix(name, "."):
		t.Fatalf("Filename %q starts with a dot", name)
	case utf8.RuneCountInString(name) > maxNameRunes:
		t.Fatalf("Filename %q is %d runes long", name, utf8.RuneCountInString(name))
	case !utf8.ValidString(name):
		t.Fatalf("Filename %q is not UTF-8", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("Filename %q holds %U", name, r)
		}
	}
}
