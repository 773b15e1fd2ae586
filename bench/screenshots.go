package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
)

// file is an attachment.
type file struct {
	name, contentType string
	data              []byte
}

// screenshotKind is how a citizen captured the screen: a PNG screenshot, or
// a phone photo of the monitor as JPEG.
type screenshotKind int

const (
	kindPNG screenshotKind = iota
	kindJPEG
)

// drawScreen draws a w×h picture of a web form: the browser's bar, a side
// menu, lines of text, and a photo-like block of noise covering the fraction
// noise of the screen, which is what makes the file large.
func drawScreen(rng *rand.Rand, w, h int, noise float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fill := func(r image.Rectangle, c [3]byte) {
		r = r.Intersect(img.Rect)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := img.Pix[y*img.Stride+r.Min.X*4 : y*img.Stride+r.Max.X*4]
			for x := 0; x < len(row); x += 4 {
				row[x], row[x+1], row[x+2], row[x+3] = c[0], c[1], c[2], 255
			}
		}
	}
	fill(img.Rect, [3]byte{244, 245, 247})
	fill(image.Rect(0, 0, w, 72), [3]byte{52, 58, 70})
	fill(image.Rect(0, 72, w/6, h), [3]byte{226, 230, 236})
	for y := 110; y < h-40; y += 30 {
		x := w/6 + 40
		for x < w-60 {
			word := 20 + rng.IntN(90)
			fill(image.Rect(x, y, x+word, y+12), [3]byte{60, 64, 72})
			x += word + 12
			if rng.IntN(9) == 0 {
				break
			}
		}
	}
	// The noisy block: its side is chosen so that it covers the fraction
	// noise of the screen, keeping the screen's proportions.
	nw := min(int(float64(w)*math.Sqrt(noise)), w)
	nh := min(int(float64(h)*math.Sqrt(noise)), h)
	x0, y0 := w-nw, h-nh
	for y := y0; y < h; y++ {
		row := img.Pix[y*img.Stride+x0*4 : y*img.Stride+w*4]
		for x := 0; x < len(row); x += 4 {
			v := rng.Uint64()
			row[x], row[x+1], row[x+2], row[x+3] = 90+byte(v)%120, 80+byte(v>>8)%120, 70+byte(v>>16)%120, 255
		}
	}
	return img
}

// screenshot returns a real PNG or JPEG of about size bytes.
func screenshot(rng *rand.Rand, kind screenshotKind, size int) ([]byte, error) {
	w, h := 2560, 1440
	if kind == kindJPEG {
		w, h = 4000, 3000
	}
	noise := 0.3
	var best []byte
	for range 4 {
		img := drawScreen(rng, w, h, noise)
		var buf bytes.Buffer
		var err error
		if kind == kindPNG {
			err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
		} else {
			err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92})
		}
		if err != nil {
			return nil, fmt.Errorf("encode screenshot: %w", err)
		}
		best = buf.Bytes()
		ratio := float64(size) / float64(buf.Len())
		if ratio > 0.95 && ratio < 1.05 {
			break
		}
		noise = min(noise*ratio, 1)
	}
	return best, nil
}

// unique returns a copy of img that differs from every other copy, so that
// the store cannot share it between letters: a PNG gets a tEXt chunk after
// IHDR (PNG 11.3.4.3), a JPEG a COM segment after SOI (ITU T.81 B.2.4.5).
// Both leave the picture as it was.
func unique(img []byte, kind screenshotKind, n int) []byte {
	text := fmt.Sprintf("Comment\x00ticketd benchmark copy %d", n)
	if kind == kindPNG {
		const afterIHDR = 8 + 4 + 4 + 13 + 4
		chunk := make([]byte, 0, 12+len(text))
		chunk = binary.BigEndian.AppendUint32(chunk, uint32(len(text)))
		chunk = append(chunk, "tEXt"...)
		chunk = append(chunk, text...)
		chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
		return concat(img[:afterIHDR], chunk, img[afterIHDR:])
	}
	seg := []byte{0xFF, 0xFE, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(2+len(text)))
	seg = append(seg, text...)
	return concat(img[:2], seg, img[2:])
}

func concat(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// screenshotPool is a few screenshots of sizes spread over a range; letters
// take unique copies of them, since drawing and encoding a large image
// takes longer than reading it.
type screenshotPool struct {
	images [][]byte
	kinds  []screenshotKind
	copies int
}

// newScreenshotPool draws count screenshots, alternately PNG and JPEG, of
// sizes spread evenly from lo to hi bytes.
func newScreenshotPool(rng *rand.Rand, count, lo, hi int) (*screenshotPool, error) {
	p := &screenshotPool{}
	for i := range count {
		size := lo
		if count > 1 {
			size = lo + (hi-lo)*i/(count-1)
		}
		kind := screenshotKind(i % 2)
		img, err := screenshot(rng, kind, size)
		if err != nil {
			return nil, err
		}
		p.images = append(p.images, img)
		p.kinds = append(p.kinds, kind)
	}
	return p, nil
}

// take returns a unique copy of screenshot i of the pool as an attachment.
func (p *screenshotPool) take(i int) file {
	i %= len(p.images)
	p.copies++
	f := file{data: unique(p.images[i], p.kinds[i], p.copies)}
	if p.kinds[i] == kindPNG {
		f.name, f.contentType = fmt.Sprintf("Снимок экрана %d.png", p.copies), "image/png"
	} else {
		f.name, f.contentType = fmt.Sprintf("IMG_%04d.jpg", 1000+p.copies), "image/jpeg"
	}
	return f
}
