package attachments

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/color/palette"
	"image/jpeg"
	"image/png"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/ticketd/ticketd/mailparse"
)

// craftPNG returns a PNG that declares w×h pixels of the given bit depth
// and colour type, with the chunks extra (see pngChunk) before its IDAT,
// and an IDAT of a few zeros: a few bytes that DecodeConfig, the structure
// walk and decodedSize accept, and that a decoder would allocate the whole
// image for before it found the data missing.
func craftPNG(w, h int, depth, ctype byte, interlaced bool, extra ...[]byte) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) { out.Write(pngChunk(typ, string(data))) }
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, ctype
	if interlaced {
		ihdr[12] = 1
	}
	chunk("IHDR", ihdr)
	for _, c := range extra {
		out.Write(c)
	}
	var idat bytes.Buffer
	zw := zlib.NewWriter(&idat)
	zw.Write(make([]byte, 1024))
	zw.Close()
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// Chunks for craftPNG.
var (
	plte = pngChunk("PLTE", "\x00\x00\x00\xff\xff\xff")
	trns = pngChunk("tRNS", "\x00\x00")
)

// adobe is an APP14 Adobe segment with the given colour transform: 0 for
// RGB or CMYK, 1 for YCbCr, 2 for YCCK.
func adobe(transform byte) []byte {
	return jpegSegment(0xee, "Adobe\x00\x64\x00\x00\x00\x00"+string(rune(transform)))
}

// craftJPEG returns a JPEG of w×h pixels with frame marker sof (0xc0
// baseline, 0xc2 progressive) whose components, named ids (1, 2, 3... when
// empty), have the sampling factors hv, after the segments app (see
// jpegSegment), with one
// byte of entropy-coded data: enough for DecodeConfig, the structure walk
// and decodedSize.
func craftJPEG(w, h int, sof byte, hv []byte, ids string, app ...[]byte) []byte {
	var out bytes.Buffer
	out.Write([]byte{0xff, 0xd8})
	seg := func(m byte, p []byte) {
		out.Write([]byte{0xff, m, byte((len(p) + 2) >> 8), byte(len(p) + 2)})
		out.Write(p)
	}
	for _, a := range app {
		out.Write(a)
	}
	frame := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(len(hv))}
	scan := []byte{byte(len(hv))}
	for i, f := range hv {
		id := byte(i + 1)
		if ids != "" {
			id = ids[i]
		}
		frame = append(frame, id, f, 0)
		scan = append(scan, id, 0)
	}
	seg(sof, frame)
	seg(0xda, append(scan, 0, 63, 0))
	out.Write([]byte{0x00, 0xff, 0xd9})
	return out.Bytes()
}

// craftGIF returns a GIF whose logical screen is w×h pixels, with a global
// colour table of two colours and no frame.
func craftGIF(w, h int) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, uint16(w))
	b = binary.LittleEndian.AppendUint16(b, uint16(h))
	b = append(b, 0x80, 0, 0, 0, 0, 0, 255, 255, 255)
	return append(b, ';')
}

func TestDecodedSize(t *testing.T) {
	const w, h, px = 4000, 3000, 4000 * 3000
	sampling420 := []byte{0x22, 0x11, 0x11}
	mcus420 := int64(250 * 188) // 16×16 MCUs: 3000 rows are 187.5 MCUs
	tests := []struct {
		name  string
		body  []byte
		o     orientation
		model color.Model // what DecodeConfig must say, nil to skip
		want  int64       // without the thumbnail
	}{
		{"PNG 8-bit RGBA", craftPNG(w, h, 8, 6, false), upright, color.NRGBAModel, px*4 + 2*(1+w*4)},
		{"PNG 16-bit RGBA", craftPNG(w, h, 16, 6, false), upright, color.NRGBA64Model, px*8 + 2*(1+w*8)},
		{"PNG 8-bit RGB", craftPNG(w, h, 8, 2, false), upright, color.RGBAModel, px*4 + 2*(1+w*3)},
		{"PNG 16-bit RGB", craftPNG(w, h, 16, 2, false), upright, color.RGBA64Model, px*8 + 2*(1+w*6)},
		{"PNG 8-bit RGB with tRNS", craftPNG(w, h, 8, 2, false, pngChunk("tRNS", "\x00\x00\x00\x00\x00\x00")), upright, color.RGBAModel, px*4 + 2*(1+w*3)},
		{"PNG 8-bit grey", craftPNG(w, h, 8, 0, false), upright, color.GrayModel, px + 2*(1+w)},
		{"PNG 1-bit grey", craftPNG(w, h, 1, 0, false), upright, color.GrayModel, px + 2*(1+w/8)},
		{"PNG 16-bit grey", craftPNG(w, h, 16, 0, false), upright, color.Gray16Model, px*2 + 2*(1+w*2)},
		{"PNG 8-bit grey with tRNS decodes to NRGBA", craftPNG(w, h, 8, 0, false, trns), upright, color.GrayModel, px*4 + 2*(1+w)},
		{"PNG 16-bit grey with tRNS decodes to NRGBA64", craftPNG(w, h, 16, 0, false, trns), upright, color.Gray16Model, px*8 + 2*(1+w*2)},
		{"PNG 8-bit grey and alpha", craftPNG(w, h, 8, 4, false), upright, color.NRGBAModel, px*4 + 2*(1+w*2)},
		{"PNG 16-bit grey and alpha", craftPNG(w, h, 16, 4, false), upright, color.NRGBA64Model, px*8 + 2*(1+w*4)},
		{"PNG 8-bit paletted", craftPNG(w, h, 8, 3, false, plte), upright, nil, px + 2*(1+w)},
		{"PNG 4-bit paletted", craftPNG(w, h, 4, 3, false, plte), upright, nil, px + 2*(1+w/2)},
		{"PNG 8-bit RGBA interlaced", craftPNG(w, h, 8, 6, true), upright, color.NRGBAModel, 2*px*4 + 6*(1+w*4)},
		{"JPEG grey", craftJPEG(w, h, 0xc0, []byte{0x11}, ""), upright, color.GrayModel, px},
		{"JPEG grey with nominal 2×2 sampling", craftJPEG(w, h, 0xc0, []byte{0x22}, ""), upright, color.GrayModel, px},
		{"JPEG 4:2:0", craftJPEG(w, h, 0xc0, sampling420, ""), upright, color.YCbCrModel, 64 * 6 * mcus420},
		{"JPEG 4:2:2", craftJPEG(w, h, 0xc0, []byte{0x21, 0x11, 0x11}, ""), upright, color.YCbCrModel, px * 2},
		{"JPEG 4:4:4", craftJPEG(w, h, 0xc0, []byte{0x11, 0x11, 0x11}, ""), upright, color.YCbCrModel, px * 3},
		{"JPEG 4:2:0 progressive keeps its coefficients", craftJPEG(w, h, 0xc2, sampling420, ""), upright, color.YCbCrModel, 5 * 64 * 6 * mcus420},
		{"JPEG 4:4:4 progressive", craftJPEG(w, h, 0xc2, []byte{0x11, 0x11, 0x11}, ""), upright, color.YCbCrModel, 5 * px * 3},
		{"JPEG RGB by Adobe transform", craftJPEG(w, h, 0xc0, []byte{0x11, 0x11, 0x11}, "", adobe(0)), upright, color.RGBAModel, px*3 + px*4},
		{"JPEG RGB by component names", craftJPEG(w, h, 0xc0, []byte{0x11, 0x11, 0x11}, "RGB"), upright, color.RGBAModel, px*3 + px*4},
		{"JPEG RGB hint after JFIF is YCbCr", craftJPEG(w, h, 0xc0, []byte{0x11, 0x11, 0x11}, "",
			jpegSegment(0xe0, "JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"), adobe(0)), upright, color.YCbCrModel, px * 3},
		{"JPEG CMYK", craftJPEG(w, h, 0xc0, []byte{0x11, 0x11, 0x11, 0x11}, "", adobe(0)), upright, color.CMYKModel, px*4 + px*4},
		{"JPEG YCCK subsampled", craftJPEG(w, h, 0xc0, []byte{0x22, 0x11, 0x11, 0x22}, "", adobe(2)), upright, color.CMYKModel,
			64*10*mcus420 + px*4},
		{"JPEG CMYK progressive", craftJPEG(w, h, 0xc2, []byte{0x11, 0x11, 0x11, 0x11}, "", adobe(0)), upright, color.CMYKModel,
			5*px*4 + px*4},
		{"JPEG 4:2:0 turned", craftJPEG(w, h, 0xc0, sampling420, ""), 6, color.YCbCrModel, 2 * 64 * 6 * mcus420},
		{"JPEG 4:2:0 upside down", craftJPEG(w, h, 0xc0, sampling420, ""), 3, color.YCbCrModel, 2 * 64 * 6 * mcus420},
		{"JPEG grey turned", craftJPEG(w, h, 0xc0, []byte{0x11}, ""), 8, color.GrayModel, 2 * px},
		{"JPEG CMYK turned becomes NRGBA", craftJPEG(w, h, 0xc0, []byte{0x11, 0x11, 0x11, 0x11}, "", adobe(0)), 6, color.CMYKModel,
			px*4 + px*4 + px*4},
		{"JPEG 4:1:1 on its side becomes NRGBA", craftJPEG(w, h, 0xc0, []byte{0x41, 0x11, 0x11}, ""), 6, color.YCbCrModel,
			64*6*125*375 + px*4},
		{"JPEG 4:1:1 upside down stays YCbCr", craftJPEG(w, h, 0xc0, []byte{0x41, 0x11, 0x11}, ""), 3, color.YCbCrModel,
			2 * 64 * 6 * 125 * 375},
		{"GIF: the first frame, paletted, maybe interlaced", craftGIF(w, h), upright, nil, 2 * px},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, format, err := image.DecodeConfig(bytes.NewReader(tt.body))
			if err != nil {
				t.Fatalf("DecodeConfig: %v", err)
			}
			if cfg.Width != w || cfg.Height != h || tt.model != nil && cfg.ColorModel != tt.model {
				t.Fatalf("DecodeConfig = %d×%d %T, want %d×%d %T", cfg.Width, cfg.Height, cfg.ColorModel, w, h, tt.model)
			}
			if got := decodedSize(detect(tt.body), tt.body, cfg, tt.o, 0); got != tt.want {
				t.Errorf("decodedSize(%s %s, orientation %d) = %d, want %d", tt.name, format, tt.o, got, tt.want)
			}
		})
	}
}

func TestBytesPerPixel(t *testing.T) {
	tests := []struct {
		model color.Model
		want  int64
	}{
		{color.GrayModel, 1},
		{color.AlphaModel, 1},
		{color.Palette{color.Black, color.White}, 1},
		{color.Palette(nil), 1},
		{color.Gray16Model, 2},
		{color.Alpha16Model, 2},
		{color.YCbCrModel, 3},
		{color.RGBAModel, 4},
		{color.NRGBAModel, 4},
		{color.CMYKModel, 4},
		{color.NYCbCrAModel, 4},
		{color.RGBA64Model, 8},
		{color.NRGBA64Model, 8},
		{color.ModelFunc(func(c color.Color) color.Color { return c }), 8},
	}
	for _, tt := range tests {
		if got := bytesPerPixel(tt.model); got != tt.want {
			t.Errorf("bytesPerPixel(%T) = %d, want %d", tt.model, got, tt.want)
		}
	}
}

// allocated returns the bytes f allocates on the heap.
func allocated(f func()) int64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// fixedCost is what decoding or scaling any image allocates besides what
// decodedSize counts: readers, decoder state, Huffman and zlib tables.
const fixedCost = 256 << 10

// TestDecodedSizeMatchesDecoders decodes, turns and scales images of every
// colour model the standard decoders return and holds decodedSize to what
// that really allocates: never less, and not much more.
func TestDecodedSizeMatchesDecoders(t *testing.T) {
	const w, h, thumbW = 480, 360, 64
	r := image.Rect(0, 0, w, h)
	encode := func(img image.Image) []byte {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	transparent := func(img interface{ Set(int, int, color.Color) }) {
		img.Set(1, 1, color.Transparent)
	}
	nrgba, nrgba64 := image.NewNRGBA(r), image.NewNRGBA64(r)
	transparent(nrgba)
	transparent(nrgba64)
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, image.NewRGBA(r), nil); err != nil {
		t.Fatal(err)
	}
	var greyPhoto bytes.Buffer
	if err := jpeg.Encode(&greyPhoto, image.NewGray(r), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		body []byte
		o    orientation
	}{
		{"PNG RGB", encode(image.NewRGBA(r)), upright},
		{"PNG RGBA", encode(nrgba), upright},
		{"PNG 16-bit RGB", encode(image.NewRGBA64(r)), upright},
		{"PNG 16-bit RGBA", encode(nrgba64), upright},
		{"PNG grey", encode(image.NewGray(r)), upright},
		{"PNG 16-bit grey", encode(image.NewGray16(r)), upright},
		{"PNG paletted", encode(image.NewPaletted(r, palette.Plan9)), upright},
		{"JPEG 4:2:0", photo.Bytes(), upright},
		{"JPEG 4:2:0 turned", photo.Bytes(), 6},
		{"JPEG grey turned", greyPhoto.Bytes(), 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _, err := image.DecodeConfig(bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			want := decodedSize(detect(tt.body), tt.body, cfg, tt.o, thumbW)
			got := allocated(func() {
				img, _, err := image.Decode(bytes.NewReader(tt.body))
				if err != nil {
					t.Fatal(err)
				}
				thumbnail(turn(img, tt.o), thumbW)
			})
			if got > want+fixedCost || want > got+got/10+fixedCost {
				t.Errorf("decoding, turning and scaling %s allocates %d bytes; decodedSize = %d", tt.name, got, want)
			}
		})
	}
}

func TestThumbnailSizeOfAWideStrip(t *testing.T) {
	const w, h = 200_000, 2
	want := thumbnailSize(w, h, DefaultThumbWidth)
	img := image.NewGray(image.Rect(0, 0, w, h))
	got := allocated(func() { thumbnail(img, DefaultThumbWidth) })
	if got > want+fixedCost || want > got+got/10+fixedCost {
		t.Errorf("a thumbnail of a %d×%d strip allocates %d bytes; thumbnailSize = %d", w, h, got, want)
	}
	if want < 50*w {
		t.Errorf("thumbnailSize(%d×%d) = %d, want the filter weights counted (about 96 bytes a column)", w, h, want)
	}
}

// TestCheckRejectsBeforeDecoding checks crafted images whose header
// promises more pixel memory than Policy.MaxDecodeBytes, and asserts that
// Check turns them down without decoding: it allocates a small fraction of
// what decoding would.
func TestCheckRejectsBeforeDecoding(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		need int64 // at least
	}{
		{"7000×7000 PNG of 16-bit RGBA", craftPNG(7000, 7000, 16, 6, false), 7000 * 7000 * 8},
		{"7000×7000 PNG of 16-bit grey with tRNS", craftPNG(7000, 7000, 16, 0, false, trns), 7000 * 7000 * 8},
		{"6000×6000 PNG of 8-bit RGB", craftPNG(6000, 6000, 8, 2, false), 6000 * 6000 * 4},
		{"6000×6000 CMYK JPEG", craftJPEG(6000, 6000, 0xc0, []byte{0x11, 0x11, 0x11, 0x11}, "", adobe(0)), 6000 * 6000 * 8},
		{"5000×5000 progressive 4:4:4 JPEG", craftJPEG(5000, 5000, 0xc2, []byte{0x11, 0x11, 0x11}, ""), 5000 * 5000 * 15},
		{"20000000×2 grey PNG: its thumbnail's filter weights", craftPNG(20_000_000, 2, 8, 0, false), 1 << 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Verdict
			used := allocated(func() {
				v = Check(context.Background(), mailparse.Part{Filename: "scan", Body: tt.body}, DefaultPolicy())
			})
			if v.Reason != ReasonTooLargeToDecode {
				t.Fatalf("Check(%s) = %s (%s), want %s", tt.name, v.Reason, v.Detail, ReasonTooLargeToDecode)
			}
			need, _ := strconv.ParseInt(fact(v.Detail, "bytes"), 10, 64)
			if need < tt.need || fact(v.Detail, "limit") != strconv.Itoa(DefaultMaxDecodeBytes) {
				t.Errorf("Check(%s).Detail = %q, want bytes at least %d and limit %d", tt.name, v.Detail, tt.need, DefaultMaxDecodeBytes)
			}
			if used > 4<<20 {
				t.Errorf("Check(%s) allocated %d bytes of the %d it turned down: decoding started", tt.name, used, need)
			}
			if v.Explain("ru") == "" || v.Explain("en") == "" {
				t.Errorf("Check(%s) cannot be explained", tt.name)
			}
		})
	}
}

// TestCheckDecodeLimitByColourModel gives Check real images of each colour
// model with MaxDecodeBytes just under their decoded pixels, which must
// turn them down, and with room for the decoder's rows and a small
// thumbnail besides, which must let them through: 16-bit pixels count
// twice what 8-bit ones do, grey and paletted ones a quarter.
func TestCheckDecodeLimitByColourModel(t *testing.T) {
	const w, h = 640, 480
	r := image.Rect(0, 0, w, h)
	encode := func(img image.Image) []byte {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, image.NewRGBA(r), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		body   []byte
		pixels int64 // bytes of the decoded pixels
	}{
		{"8-bit RGB", encode(image.NewRGBA(r)), w * h * 4},
		{"16-bit RGB", encode(image.NewRGBA64(r)), w * h * 8},
		{"8-bit grey", encode(image.NewGray(r)), w * h},
		{"16-bit grey", encode(image.NewGray16(r)), w * h * 2},
		{"paletted", encode(image.NewPaletted(r, palette.WebSafe)), w * h},
		{"JPEG 4:2:0", photo.Bytes(), w * h * 3 / 2},
	}
	const room = 256 << 10 // rows, and a thumbnail 16 pixels wide
	for _, tt := range tests {
		for _, c := range []struct {
			limit int64
			want  Reason
		}{
			{tt.pixels - 1, ReasonTooLargeToDecode},
			{tt.pixels + room, ReasonNone},
		} {
			pol := DefaultPolicy()
			pol.ThumbWidth = 16
			pol.MaxDecodeBytes = c.limit
			v := Check(context.Background(), mailparse.Part{Filename: "screen", Body: tt.body}, pol)
			if v.Reason != c.want {
				t.Errorf("Check(%s, MaxDecodeBytes %d) = %q (%s), want %q", tt.name, c.limit, v.Reason, v.Detail, c.want)
			}
		}
	}
}

func TestCheckAcceptsWhatCitizensSend(t *testing.T) {
	photo := craftJPEG(4000, 3000, 0xc0, []byte{0x22, 0x11, 0x11}, "")
	tests := []struct {
		name string
		body []byte
		o    orientation
	}{
		{"screenshot", readTestdata(t, "screenshot.png"), upright},
		{"4K screenshot, RGBA", craftPNG(3840, 2160, 8, 6, false), upright},
		{"5K screenshot, RGB", craftPNG(5120, 2880, 8, 2, false), upright},
		{"12-megapixel phone photo", photo, upright},
		{"12-megapixel phone photo to be turned", photo, 6},
		{"scrolling phone screenshot, RGBA", craftPNG(1080, 20000, 8, 6, false), upright},
	}
	for _, tt := range tests {
		cfg, err := imageConfig(tt.body)
		if err != nil {
			t.Fatal(err)
		}
		if n := decodedSize(detect(tt.body), tt.body, cfg, tt.o, DefaultThumbWidth); n > DefaultMaxDecodeBytes {
			t.Errorf("decodedSize(%s) = %d, over DefaultMaxDecodeBytes", tt.name, n)
		}
	}
	if v := Check(context.Background(), mailparse.Part{Body: readTestdata(t, "screenshot.png")}, DefaultPolicy()); !v.Accepted {
		t.Errorf("Check(screenshot) = %s (%s), want accepted", v.Reason, v.Detail)
	}
}

// TestCheckLargerThanGate checks images that need more than the whole gate
// but are within MaxDecodeBytes: each waits until the gate is empty and is
// then decoded alone, and none waits forever.
func TestCheckLargerThanGate(t *testing.T) {
	g := NewGate(256 << 10)
	body := slowPNG(t, 600, 600) // 360 KB of grey pixels
	pol := DefaultPolicy()
	pol.Gate = g

	leave, err := g.enter(context.Background(), 1) // another check holds a byte
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if v := Check(ctx, mailparse.Part{Body: body}, pol); v.Reason != ReasonBudgetExceeded {
		t.Errorf("Check behind a gate not empty = %s (%s), want %s", v.Reason, v.Detail, ReasonBudgetExceeded)
	}
	leave()

	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan Verdict)
	for range 3 {
		go func() { done <- Check(ctx, mailparse.Part{Body: body}, pol) }()
	}
	for range 3 {
		if v := <-done; !v.Accepted {
			t.Errorf("Check of an image larger than the gate = %s (%s), want accepted", v.Reason, v.Detail)
		}
	}
}
