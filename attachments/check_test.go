package attachments

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/ticketd/ticketd/mailparse"
)

// readTestdata returns a file of testdata/.
func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// checkCase is one file of a letter and what Check must say of it.
type checkCase struct {
	name     string // test name
	file     string // in testdata/, or "" for body
	body     []byte
	part     mailparse.Part // Body is filled from file or body
	reason   Reason
	accepted bool
	skipped  bool
	detected string
	filename string // want Verdict.Filename, when not ""
	width    int
	height   int
	pages    int
	detail   string // a fact Detail must hold, "key=value"
}

var checkCases = []checkCase{
	{
		name: "screenshot", file: "screenshot.png",
		part:     mailparse.Part{Filename: "Снимок экрана 2024-03-01.png", ContentType: "image/png"},
		accepted: true, detected: "image/png", width: 800, height: 450,
		filename: "Снимок экрана 2024-03-01.png",
	},
	{
		name: "screenshot pasted inline counts", file: "screenshot.png",
		part:     mailparse.Part{Filename: "image001.png", ContentType: "image/png", Inline: true, ContentID: "image001.png@01DA6B"},
		accepted: true, detected: "image/png", width: 800, height: 450,
	},
	{
		name: "phone photo with orientation 6 and GPS", file: "phone-orientation6-gps.jpg",
		part:     mailparse.Part{Filename: "IMG_20240301_101500.jpg", ContentType: "image/jpeg"},
		accepted: true, detected: "image/jpeg", width: 640, height: 480,
	},
	{
		name: "JPEG declared octet-stream without extension", file: "phone-orientation6-gps.jpg",
		part:     mailparse.Part{Filename: "photo", ContentType: "application/octet-stream"},
		accepted: true, detected: "image/jpeg", width: 640, height: 480, filename: "photo.jpg",
	},
	{
		name: "two-page PDF", file: "two-pages.pdf",
		part:     mailparse.Part{Filename: "заявление.pdf", ContentType: "application/pdf"},
		accepted: true, detected: "application/pdf", pages: 2,
	},
	{
		name: "PDF named scan.jpg", file: "two-pages.pdf",
		part:     mailparse.Part{Filename: "scan.jpg", ContentType: "image/jpeg"},
		accepted: true, detected: "application/pdf", pages: 2, filename: "scan.pdf",
	},
	{
		name: "PDF with object streams", file: "two-pages-objstm.pdf",
		part:     mailparse.Part{Filename: "two.pdf", ContentType: "application/pdf"},
		accepted: true, detected: "application/pdf", pages: 2,
	},
	{
		name: "PDF with JavaScript", file: "javascript.pdf",
		part:   mailparse.Part{Filename: "invoice.pdf", ContentType: "application/pdf"},
		reason: ReasonPDFJavaScript, detected: "application/pdf", pages: 1, detail: "name=/JS",
	},
	{
		name: "PDF with JavaScript in an object stream", file: "javascript-objstm.pdf",
		part:   mailparse.Part{Filename: "invoice.pdf", ContentType: "application/pdf"},
		reason: ReasonPDFJavaScript, detected: "application/pdf", pages: 1, detail: "name=/JS",
	},
	{
		name: "encrypted PDF", file: "encrypted.pdf",
		part:   mailparse.Part{Filename: "spravka.pdf", ContentType: "application/pdf"},
		reason: ReasonPDFEncrypted, detected: "application/pdf", pages: 2,
	},
	{
		name: "PDF with an embedded file", file: "embedded-file.pdf",
		part:   mailparse.Part{Filename: "docs.pdf", ContentType: "application/pdf"},
		reason: ReasonPDFEmbeddedFiles, detected: "application/pdf", pages: 2,
	},
	{
		name: "PNG bomb", file: "bomb-100000x100000.png",
		part:   mailparse.Part{Filename: "screen.png", ContentType: "image/png"},
		reason: ReasonTooManyPixels, detected: "image/png", width: 100000, height: 100000,
		detail: "limit=50000000",
	},
	{
		name: "ZIP named .png", file: "zip-renamed.png",
		part:   mailparse.Part{Filename: "scan.png", ContentType: "image/png"},
		reason: ReasonWrongType, detected: "application/zip", filename: "scan.png",
		detail: "type=application/zip",
	},
	{
		name: "Windows program named .png", file: "pe-renamed.png",
		part:   mailparse.Part{Filename: "photo.png", ContentType: "image/png"},
		reason: ReasonWrongType, detected: "application/x-msdownload",
	},
	{
		name: "truncated JPEG", file: "truncated.jpg",
		part:   mailparse.Part{Filename: "photo.jpg", ContentType: "image/jpeg"},
		reason: ReasonDamaged, detected: "image/jpeg", width: 400, height: 300,
	},
	{
		name: "GIF attachment", file: "animation.gif",
		part:   mailparse.Part{Filename: "error.gif", ContentType: "image/gif"},
		reason: ReasonWrongType, detected: "image/gif", width: 64, height: 64,
	},
	{
		name: "GIF signature logo", file: "animation.gif",
		part:    mailparse.Part{Filename: "logo.gif", ContentType: "image/gif", Inline: true, ContentID: "logo"},
		skipped: true, detected: "image/gif", width: 64, height: 64,
	},
	{
		name: "PNG signature logo", file: "logo.png",
		part:    mailparse.Part{Filename: "image002.png", ContentType: "image/png", ContentID: "image002.png@01DA6B"},
		skipped: true, detected: "image/png", width: 120, height: 40,
	},
	{
		name: "small PNG attached, not inline", file: "logo.png",
		part:     mailparse.Part{Filename: "logo.png", ContentType: "image/png"},
		accepted: true, detected: "image/png", width: 120, height: 40,
	},
	{
		name: "JPEG with a ZIP appended", file: "jpeg-zip-polyglot.jpg",
		part:   mailparse.Part{Filename: "photo.jpg", ContentType: "image/jpeg"},
		reason: ReasonPolyglot, detected: "image/jpeg", width: 640, height: 480,
		detail: "embedded=application/zip",
	},
	{
		name: "JPEG with a program appended", file: "jpeg-exe-appended.jpg",
		part:   mailparse.Part{Filename: "photo.jpg", ContentType: "image/jpeg"},
		reason: ReasonPolyglot, detected: "image/jpeg", width: 640, height: 480,
		detail: "embedded=application/x-msdownload",
	},
	{
		name: "JPEG with PHP in its comment", file: "php-comment.jpg",
		part:   mailparse.Part{Filename: "avatar.jpg", ContentType: "image/jpeg"},
		reason: ReasonPolyglot, detected: "image/jpeg", detail: "embedded=text/html",
		width: 640, height: 480,
	},
	{
		name: "PNG with a PDF header in a text chunk", file: "pdf-header-in-text.png",
		part:   mailparse.Part{Filename: "x.png", ContentType: "image/png"},
		reason: ReasonPolyglot, detected: "image/png", detail: "embedded=application/pdf",
		width: 16, height: 16,
	},
	{
		name:   "empty",
		part:   mailparse.Part{Filename: "photo.jpg", ContentType: "image/jpeg"},
		reason: ReasonEmpty, detected: "application/octet-stream",
	},
	{
		name: "text named .png", body: []byte("Здравствуйте! Скриншот не прикрепился.\n"),
		part:   mailparse.Part{Filename: "error.png", ContentType: "image/png"},
		reason: ReasonWrongType, detected: "text/plain",
	},
	{
		name: "iPhone HEIC", body: []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic\x00\x00\x00\x00"),
		part:   mailparse.Part{Filename: "IMG_0001.HEIC", ContentType: "image/heic"},
		reason: ReasonWrongType, detected: "image/heic",
	},
	{
		name: "right-to-left override in the name", file: "pe-renamed.png",
		part:   mailparse.Part{Filename: "C:\\Users\\x\\photo\u202Egnp.exe", ContentType: "image/png"},
		reason: ReasonWrongType, detected: "application/x-msdownload", filename: "photognp.exe",
	},
	{
		name: "no filename", file: "logo.png",
		part:     mailparse.Part{ContentType: "image/png"},
		accepted: true, detected: "image/png", width: 120, height: 40, filename: "attachment-1.png",
	},
}

func TestCheck(t *testing.T) {
	for _, c := range checkCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.part
			p.Body = c.body
			if c.file != "" {
				p.Body = readTestdata(t, c.file)
			}
			orig := bytes.Clone(p.Body)
			v := Check(context.Background(), p, DefaultPolicy())
			if v.Reason != c.reason || v.Accepted != c.accepted || v.Skipped != c.skipped {
				t.Fatalf("Check(%s) = reason %q accepted %v skipped %v (%s), want %q %v %v",
					c.file, v.Reason, v.Accepted, v.Skipped, v.Detail, c.reason, c.accepted, c.skipped)
			}
			if v.DetectedType != c.detected {
				t.Errorf("Check(%s).DetectedType = %q, want %q", c.file, v.DetectedType, c.detected)
			}
			if v.Width != c.width || v.Height != c.height || v.Pages != c.pages {
				t.Errorf("Check(%s) = %d×%d, %d pages, want %d×%d, %d pages",
					c.file, v.Width, v.Height, v.Pages, c.width, c.height, c.pages)
			}
			if c.filename != "" && v.Filename != c.filename {
				t.Errorf("Check(%s).Filename = %q, want %q", c.file, v.Filename, c.filename)
			}
			if c.detail != "" && !containsFact(v.Detail, c.detail) {
				t.Errorf("Check(%s).Detail = %q, want it to hold %q", c.file, v.Detail, c.detail)
			}
			if v.OriginalName != p.Filename || v.DeclaredType != p.ContentType || v.Size != int64(len(p.Body)) {
				t.Errorf("Check(%s) = name %q type %q size %d, want the part's %q %q %d",
					c.file, v.OriginalName, v.DeclaredType, v.Size, p.Filename, p.ContentType, len(p.Body))
			}
			if len(v.SHA256) != 64 {
				t.Errorf("Check(%s).SHA256 = %q, want 64 hex digits", c.file, v.SHA256)
			}
			if !bytes.Equal(p.Body, orig) {
				t.Errorf("Check(%s) modified the part's bytes", c.file)
			}
			wantImages := c.accepted && c.detected != "application/pdf"
			if (v.Thumbnail != nil) != wantImages || (v.Display != nil) != wantImages {
				t.Errorf("Check(%s) = thumbnail %v display %v, want both %v",
					c.file, v.Thumbnail != nil, v.Display != nil, wantImages)
			}
			if wantImages {
				checkThumbnail(t, v, DefaultThumbWidth)
			}
		})
	}
}

// containsFact reports whether a Detail holds the fact "key=value".
func containsFact(detail, kv string) bool {
	k, want, _ := bytes.Cut([]byte(kv), []byte("="))
	return fact(detail, string(k)) == string(want)
}

// checkThumbnail asserts that v.Thumbnail is a PNG width pixels wide.
func checkThumbnail(t *testing.T, v Verdict, width int) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(v.Thumbnail))
	if err != nil || format != "png" || cfg.Width != width {
		t.Errorf("thumbnail of %s = %s %d wide (%v), want png %d wide", v.Filename, format, cfg.Width, err, width)
	}
}

func TestCheckDisplayDropsMetadataAndTurnsUpright(t *testing.T) {
	orig := readTestdata(t, "phone-orientation6-gps.jpg")
	// The GPS IFD pointer is EXIF tag 0x8825 of type LONG, big- or
	// little-endian.
	metadata := []string{"Exif\x00\x00", "\x88\x25\x00\x04", "\x25\x88\x04\x00", "Xiaomi"}
	if !bytes.Contains(orig, []byte(metadata[1])) && !bytes.Contains(orig, []byte(metadata[2])) {
		t.Fatalf("testdata photo lacks a GPS IFD: regenerate it with make.sh")
	}
	for _, marker := range []string{metadata[0], metadata[3]} {
		if !bytes.Contains(orig, []byte(marker)) {
			t.Fatalf("testdata photo lacks %q: regenerate it with make.sh", marker)
		}
	}
	v := Check(context.Background(), mailparse.Part{Filename: "IMG.jpg", Body: orig}, DefaultPolicy())
	if !v.Accepted {
		t.Fatalf("Check(phone photo) = %s (%s), want accepted", v.Reason, v.Detail)
	}
	for _, marker := range append(metadata, "Exif", "http://ns.adobe.com/xap") {
		if bytes.Contains(v.Display.Bytes(), []byte(marker)) {
			t.Errorf("Check(phone photo).Display holds %q, want no metadata", marker)
		}
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(v.Display.Bytes()))
	if err != nil {
		t.Fatalf("Check(phone photo).Display is not a JPEG: %v", err)
	}
	if cfg.Width != v.Height || cfg.Height != v.Width {
		t.Errorf("Check(phone photo).Display = %d×%d, want %d×%d (orientation 6 applied)", cfg.Width, cfg.Height, v.Height, v.Width)
	}
	thumb, err := png.Decode(bytes.NewReader(v.Thumbnail))
	if err != nil {
		t.Fatal(err)
	}
	if b := thumb.Bounds(); b.Dx() != 320 || b.Dy() != 427 {
		t.Errorf("Check(phone photo).Thumbnail = %d×%d, want 320×427 (upright)", b.Dx(), b.Dy())
	}
}

func TestCheckDisplayKeepsPNG(t *testing.T) {
	v := Check(context.Background(), mailparse.Part{Body: readTestdata(t, "screenshot.png")}, DefaultPolicy())
	cfg, format, err := image.DecodeConfig(bytes.NewReader(v.Display.Bytes()))
	if err != nil || format != "png" || cfg.Width != 800 || cfg.Height != 450 {
		t.Errorf("Check(screenshot).Display = %s %d×%d (%v), want png 800×450", format, cfg.Width, cfg.Height, err)
	}
}

func TestCheckThumbnailOfTallImage(t *testing.T) {
	pol := DefaultPolicy()
	pol.ThumbWidth = 32 // small, for the race detector's sake
	tests := []struct {
		w, h           int
		thumbW, thumbH int
	}{
		{1, 20000, 32, 128},  // a hostile strip: cut to 1×4, then scaled
		{400, 3000, 32, 128}, // a scrolling screenshot: its top part
		{400, 1600, 32, 128}, // exactly 4 widths high: whole
		{2000, 1, 32, 1},     // a line
		{10, 10, 32, 32},     // scaled up
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, tt.w, tt.h))); err != nil {
			t.Fatal(err)
		}
		v := Check(context.Background(), mailparse.Part{Filename: "tall.png", Body: buf.Bytes()}, pol)
		if !v.Accepted {
			t.Fatalf("Check(%d×%d PNG) = %s (%s), want accepted", tt.w, tt.h, v.Reason, v.Detail)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(v.Thumbnail))
		if err != nil || cfg.Width != tt.thumbW || cfg.Height != tt.thumbH {
			t.Errorf("Check(%d×%d PNG).Thumbnail = %d×%d (%v), want %d×%d", tt.w, tt.h, cfg.Width, cfg.Height, err, tt.thumbW, tt.thumbH)
		}
	}
}
