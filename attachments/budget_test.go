package attachments

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/ticketd/ticketd/mailparse"
)

// slowPNG returns a valid grey PNG of w×h pixels, all black: a few hundred
// kilobytes that take a decoder w×h bytes of work.
func slowPNG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, 1+w)
	for range h {
		zw.Write(row)
	}
	zw.Close()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) { out.Write(pngChunk(typ, string(data))) }
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 8 // 8-bit grey
	chunk("IHDR", ihdr)
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// letter returns the parts of a letter: a screenshot, a PDF and a photo.
func letter(tb testing.TB) []mailparse.Part {
	return []mailparse.Part{
		{Filename: "screenshot.png", Body: readTestdata(tb, "screenshot.png")},
		{Filename: "заявление.pdf", Body: readTestdata(tb, "two-pages.pdf")},
		{Body: readTestdata(tb, "phone-orientation6-gps.jpg")},
	}
}

func TestCheckAll(t *testing.T) {
	vs := CheckAll(context.Background(), letter(t), DefaultPolicy())
	want := []string{"screenshot.png", "заявление.pdf", "attachment-3.jpg"}
	if len(vs) != len(want) {
		t.Fatalf("CheckAll = %d verdicts, want %d", len(vs), len(want))
	}
	for i, v := range vs {
		if !v.Accepted || v.Filename != want[i] {
			t.Errorf("CheckAll()[%d] = %q accepted %v (%s %s), want %q accepted", i, v.Filename, v.Accepted, v.Reason, v.Detail, want[i])
		}
	}
}

func TestCheckAllBudget(t *testing.T) {
	hostile := mailparse.Part{Filename: "screen.png", Body: slowPNG(t, 7000, 7000)} // 49 Mpx, within MaxPixels
	tests := []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		budget time.Duration
		parts  []mailparse.Part
	}{
		{
			"budget spent before the first file",
			func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			time.Nanosecond, letter(t),
		},
		{
			"caller cancelled",
			func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			},
			time.Minute, letter(t),
		},
		{
			// Decoding 49 million pixels takes far longer than 20 ms; the
			// hostile file is abandoned and the rest are not started.
			"hostile file first",
			func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			20 * time.Millisecond, append([]mailparse.Part{hostile}, letter(t)...),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			pol := DefaultPolicy()
			pol.Budget = tt.budget
			vs := CheckAll(ctx, tt.parts, pol)
			for i, v := range vs {
				if v.Reason != ReasonBudgetExceeded || v.Accepted {
					t.Errorf("CheckAll()[%d] = %q accepted %v, want %q", i, v.Reason, v.Accepted, ReasonBudgetExceeded)
				}
				// The store still gets what it needs to keep the file.
				if v.Size != int64(len(tt.parts[i].Body)) || len(v.SHA256) != 64 || v.Filename == "" {
					t.Errorf("CheckAll()[%d] = size %d, sha256 %q, name %q, want the facts filled", i, v.Size, v.SHA256, v.Filename)
				}
			}
		})
	}
}
