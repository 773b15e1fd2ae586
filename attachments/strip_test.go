package attachments

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/ticketd/ticketd/mailparse"
)

// testPicture is a w×h picture with some detail, so that a wrong turn or a
// lost row shows.
func testPicture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), uint8(x ^ y), 255})
		}
	}
	return img
}

// exifSegment returns an APP1 EXIF segment, little-endian, whose IFD0
// holds the Orientation o and a GPS IFD pointer (tag 0x8825) to an empty
// GPS IFD.
func exifSegment(o uint16) []byte {
	le := binary.LittleEndian
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	tiff = le.AppendUint16(tiff, 2) // two entries
	tiff = le.AppendUint16(tiff, 0x0112)
	tiff = le.AppendUint16(tiff, 3) // SHORT
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint32(tiff, uint32(o))
	tiff = le.AppendUint16(tiff, 0x8825)
	tiff = le.AppendUint16(tiff, 4) // LONG
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint32(tiff, 8+2+2*12+4) // the GPS IFD, right after IFD0
	tiff = le.AppendUint32(tiff, 0)          // no IFD1
	tiff = append(tiff, 0, 0, 0, 0, 0, 0)    // an empty GPS IFD
	data := append([]byte("Exif\x00\x00"), tiff...)
	return append([]byte{0xff, 0xe1, byte((len(data) + 2) >> 8), byte(len(data) + 2)}, data...)
}

// jpegSegment returns a marker segment with payload data.
func jpegSegment(marker byte, data string) []byte {
	return append([]byte{0xff, marker, byte((len(data) + 2) >> 8), byte(len(data) + 2)}, data...)
}

// pngChunk returns a PNG chunk.
func pngChunk(typ, data string) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// withMetadata returns a JPEG of img carrying EXIF with orientation o and
// GPS, XMP and a comment after SOI, and text after EOI.
func withMetadata(tb testing.TB, img image.Image, o uint16) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	b := buf.Bytes()
	var out []byte
	out = append(out, b[:2]...)
	out = append(out, exifSegment(o)...)
	out = append(out, jpegSegment(0xe1, "http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Иванов</x:xmpmeta>")...)
	out = append(out, jpegSegment(0xfe, "Vasya's phone")...)
	out = append(out, b[2:]...)
	return append(out, "trailing words"...)
}

func samePixels(tb testing.TB, a, b []byte) {
	tb.Helper()
	ia, _, err := image.Decode(bytes.NewReader(a))
	if err != nil {
		tb.Fatal(err)
	}
	ib, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("display copy does not decode: %v", err)
	}
	if ia.Bounds() != ib.Bounds() {
		tb.Fatalf("display copy is %v, want %v", ib.Bounds(), ia.Bounds())
	}
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if ia.At(x, y) != ib.At(x, y) {
				tb.Fatalf("display copy differs at (%d, %d): %v, want %v", x, y, ib.At(x, y), ia.At(x, y))
			}
		}
	}
}

func TestDisplayOfUprightJPEGKeepsPixelsDropsMetadata(t *testing.T) {
	orig := withMetadata(t, testPicture(96, 64), 1)
	v := Check(context.Background(), mailparse.Part{Filename: "IMG.jpg", Body: orig}, DefaultPolicy())
	if !v.Accepted {
		t.Fatalf("Check(JPEG with metadata) = %s (%s), want accepted", v.Reason, v.Detail)
	}
	for _, marker := range []string{"Exif", "\x25\x88\x04\x00", "xmpmeta", "Иванов", "Vasya", "trailing"} {
		if bytes.Contains(v.Display.Bytes(), []byte(marker)) {
			t.Errorf("Check(JPEG with metadata).Display holds %q, want it dropped", marker)
		}
	}
	samePixels(t, orig, v.Display.Bytes())
	if want := len(orig) - len(exifSegment(1)) - len("trailing words"); v.Display.Len() >= want {
		t.Errorf("Check(JPEG with metadata).Display is %d bytes, want fewer than %d", v.Display.Len(), want)
	}
	for i, piece := range v.Display {
		if len(piece) < 100 {
			continue // the replaced JFIF segment and other small pieces may be new
		}
		if at := bytes.Index(orig, piece); at < 0 || &orig[at] != &piece[0] {
			t.Errorf("Check(JPEG with metadata).Display piece %d (%d bytes) is a copy, want a slice of the original", i, len(piece))
		}
	}
}

func TestPieces(t *testing.T) {
	tests := []struct {
		p    Pieces
		want string
	}{
		{nil, ""},
		{Pieces{[]byte("whole")}, "whole"},
		{Pieces{[]byte("SOI"), nil, []byte("scan"), []byte("EOI")}, "SOIscanEOI"},
	}
	for _, tt := range tests {
		if got := string(tt.p.Bytes()); got != tt.want || tt.p.Len() != len(tt.want) {
			t.Errorf("Pieces%q: Bytes %q, Len %d; want %q, %d", tt.p, got, tt.p.Len(), tt.want, len(tt.want))
		}
	}
}

func TestDisplayOfPNGDropsTextAndEXIF(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, testPicture(40, 30)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	const afterIHDR = 8 + 12 + 13
	var orig []byte
	orig = append(orig, b[:afterIHDR]...)
	orig = append(orig, pngChunk("gAMA", "\x00\x00\xb1\x8f")...)
	orig = append(orig, pngChunk("tEXt", "Author\x00Иванов Иван")...)
	orig = append(orig, pngChunk("iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta/>")...)
	orig = append(orig, pngChunk("zTXt", "Comment\x00\x00x\x9c\x03\x00\x00\x00\x00\x01")...)
	orig = append(orig, pngChunk("eXIf", string(exifSegment(1)[10:]))...)
	orig = append(orig, pngChunk("tIME", "\x07\xea\x0b\x19\x0c\x00\x00")...)
	orig = append(orig, b[afterIHDR:]...)
	v := Check(context.Background(), mailparse.Part{Filename: "s.png", Body: orig}, DefaultPolicy())
	if !v.Accepted {
		t.Fatalf("Check(PNG with text) = %s (%s), want accepted", v.Reason, v.Detail)
	}
	for _, chunk := range []string{"tEXt", "iTXt", "zTXt", "eXIf", "tIME", "Author"} {
		if bytes.Contains(v.Display.Bytes(), []byte(chunk)) {
			t.Errorf("Check(PNG with text).Display holds %q, want it dropped", chunk)
		}
	}
	if !bytes.Contains(v.Display.Bytes(), []byte("gAMA")) {
		t.Errorf("Check(PNG with text).Display lost its gAMA chunk, which changes how it looks")
	}
	samePixels(t, orig, v.Display.Bytes())
}

func TestDisplayOfCleanFileIsTheFile(t *testing.T) {
	var p, j bytes.Buffer
	if err := png.Encode(&p, testPicture(40, 30)); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, testPicture(40, 30), nil); err != nil {
		t.Fatal(err)
	}
	for name, orig := range map[string][]byte{"clean.png": p.Bytes(), "clean.jpg": j.Bytes()} {
		v := Check(context.Background(), mailparse.Part{Filename: name, Body: orig}, DefaultPolicy())
		if !v.Accepted {
			t.Fatalf("Check(%s) = %s (%s), want accepted", name, v.Reason, v.Detail)
		}
		if v.Display.Len() != len(orig) || len(v.Display) != 1 || &v.Display[0][0] != &orig[0] {
			t.Errorf("Check(%s).Display is a copy of %d bytes, want the file itself, which has nothing to drop", name, v.Display.Len())
		}
	}
}

func TestDisplayTurnsEveryOrientation(t *testing.T) {
	pic := testPicture(48, 32)
	for o := uint16(1); o <= 8; o++ {
		orig := withMetadata(t, pic, o)
		v := Check(context.Background(), mailparse.Part{Filename: "IMG.jpg", Body: orig}, DefaultPolicy())
		if !v.Accepted {
			t.Fatalf("Check(orientation %d) = %s (%s), want accepted", o, v.Reason, v.Detail)
		}
		if bytes.Contains(v.Display.Bytes(), []byte("Exif")) {
			t.Errorf("Check(orientation %d).Display holds EXIF", o)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(v.Display.Bytes()))
		if err != nil {
			t.Fatalf("Check(orientation %d).Display: %v", o, err)
		}
		w, h := 48, 32
		if o >= 5 {
			w, h = h, w
		}
		if cfg.Width != w || cfg.Height != h {
			t.Errorf("Check(orientation %d).Display = %d×%d, want %d×%d", o, cfg.Width, cfg.Height, w, h)
		}
	}
}

func TestJPEGWithDamagedScanIsRejected(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testPicture(256, 256), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// Cut the entropy-coded data in half and close the file with EOI: the
	// markers still walk from SOI to EOI, but the pixels are not there.
	cut := append(bytes.Clone(b[:len(b)/2]), 0xff, 0xd9)
	if _, err := jpegEnd(cut); err != nil {
		t.Fatalf("jpegEnd(cut JPEG) = %v, want the structure to pass", err)
	}
	v := Check(context.Background(), mailparse.Part{Filename: "IMG.jpg", Body: cut}, DefaultPolicy())
	if v.Accepted || v.Reason != ReasonDamaged || v.Display != nil || v.Thumbnail != nil {
		t.Errorf("Check(JPEG cut inside its scan) = accepted %v, %s, display %d bytes, want rejected as %s",
			v.Accepted, v.Reason, v.Display.Len(), ReasonDamaged)
	}
}

func TestDisplayKeepsPlainJFIF(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testPicture(32, 32), nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// A JFIF APP0 with 300 dpi and a 1×1 thumbnail of its own.
	jfif := jpegSegment(0xe0, "JFIF\x00\x01\x02\x01\x01\x2c\x01\x2c\x01\x01\xff\x00\x00")
	orig := append(append(append([]byte(nil), b[:2]...), jfif...), b[2:]...)
	v := Check(context.Background(), mailparse.Part{Filename: "IMG.jpg", Body: orig}, DefaultPolicy())
	if !v.Accepted {
		t.Fatalf("Check(JFIF JPEG) = %s (%s), want accepted", v.Reason, v.Detail)
	}
	display := v.Display.Bytes()
	if !bytes.HasPrefix(display, []byte("\xff\xd8"+plainJFIF)) || bytes.Contains(display, jfif) {
		t.Errorf("Check(JFIF JPEG).Display starts % x, want SOI and a plain JFIF segment", display[:min(24, len(display))])
	}
	samePixels(t, orig, v.Display.Bytes())
}
