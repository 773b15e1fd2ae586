package attachments

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/ticketd/ticketd/mailparse"
)

// paddedPNG returns a valid 10×10 PNG of exactly size bytes: a private
// ancillary chunk "paDd" of zeros, which decoders skip, fills it up. Zeros
// cannot look like a second format, and the chunk's CRC is correct.
func paddedPNG(tb testing.TB, size int) []byte {
	tb.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	for i := range 10 {
		img.Set(i, i, color.NRGBA{200, 0, 0, 255})
	}
	var small bytes.Buffer
	if err := png.Encode(&small, img); err != nil {
		tb.Fatal(err)
	}
	b := small.Bytes()
	const afterIHDR = 8 + 25
	pad := size - len(b) - 12
	if pad < 0 {
		tb.Fatalf("paddedPNG(%d): smaller than the image itself", size)
	}
	var out bytes.Buffer
	out.Grow(size)
	out.Write(b[:afterIHDR])
	binary.Write(&out, binary.BigEndian, uint32(pad))
	chunk := append([]byte("paDd"), make([]byte, pad)...)
	out.Write(chunk)
	binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	out.Write(b[afterIHDR:])
	return out.Bytes()
}

func TestCheckSizeLimit(t *testing.T) {
	const limit = DefaultMaxSize
	tests := []struct {
		size   int
		reason Reason
	}{
		{limit, ReasonNone},
		{limit + 1, ReasonTooLarge},
	}
	for _, tt := range tests {
		body := paddedPNG(t, tt.size)
		if len(body) != tt.size {
			t.Fatalf("paddedPNG(%d) = %d bytes", tt.size, len(body))
		}
		v := Check(context.Background(), mailparse.Part{Filename: "big.png", Body: body}, DefaultPolicy())
		if v.Reason != tt.reason || v.Accepted != (tt.reason == ReasonNone) {
			t.Errorf("Check(PNG of %d bytes) = %q accepted %v (%s), want %q", tt.size, v.Reason, v.Accepted, v.Detail, tt.reason)
		}
		if v.Size != int64(tt.size) {
			t.Errorf("Check(PNG of %d bytes).Size = %d", tt.size, v.Size)
		}
	}
}
