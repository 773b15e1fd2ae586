package attachments

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"math"
	"runtime"

	"github.com/disintegration/imaging"
)

// decodedSize estimates, from the header alone, the bytes that checking
// the image b of type detected allocates: what the decoder allocates for
// the pixels and its own buffers, the copy that turning it from
// orientation o makes, and what scaling it to a thumbnail thumbW pixels
// wide takes. It is the sum of all of these, not a peak: nothing is
// counted as freed before the check ends, so the heap cannot grow by more.
// cfg is what image.DecodeConfig read from b. Left out are the fixed costs
// of a few hundred kilobytes (the zlib and JPEG coders' tables) and the
// encoded copies, which are about the size of the file.
func decodedSize(detected string, b []byte, cfg image.Config, o orientation, thumbW int) int64 {
	w, h := int64(max(cfg.Width, 0)), int64(max(cfg.Height, 0))
	var n int64
	switch detected {
	case typePNG:
		n = pngDecodedSize(b, cfg)
	case typeJPEG:
		n = jpegDecodedSize(b, cfg, o)
	default:
		// image.Decode of a GIF decodes its first frame only: gif.Decode
		// calls decode(r, false, false), whose loop returns once the first
		// image descriptor is read (Go 1.26 image/gif/reader.go, "if
		// !keepAllFrames && len(d.image) == 1"). The frame is at most the
		// logical screen that DecodeConfig reads, one byte per pixel,
		// and uninterlace copies an interlaced one.
		n = 2 * w * h * bytesPerPixel(cfg.ColorModel)
	}
	if o.transposes() {
		w, h = h, w
	}
	return n + thumbnailSize(w, h, int64(thumbW))
}

// bytesPerPixel is the size of a pixel of an image of colour model m as the
// standard library's decoders return it. An unknown model counts as the
// largest, 8 bytes.
func bytesPerPixel(m color.Model) int64 {
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4; subsampled planes are smaller
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		return 4
	}
	return 8 // RGBA64, NRGBA64, and whatever else
}

// PNG colour types (PNG 11.2.2, IHDR).
const (
	pngGray      = 0
	pngRGB       = 2
	pngPaletted  = 3
	pngGrayAlpha = 4
)

// pngDecodedSize is what image/png allocates to decode b: the image, twice
// for an Adam7-interlaced one (the whole image, then each pass on its
// own), and two rows of the encoded pixels (the current and the previous
// row, for the filters). The decoded image depends on the IHDR and on a
// tRNS chunk, which DecodeConfig does not read for grey and RGB images: a
// grey image with tRNS decodes to NRGBA, 4 bytes a pixel instead of 1,
// and a 16-bit grey one to NRGBA64, 8 instead of 2.
func pngDecodedSize(b []byte, cfg image.Config) int64 {
	w, h := int64(max(cfg.Width, 0)), int64(max(cfg.Height, 0))
	if len(b) < 33 || string(b[12:16]) != "IHDR" {
		// DecodeConfig read the IHDR here, so this does not happen; if
		// it did, the worst case: 16 bits a channel, interlaced.
		return 2*w*h*8 + 6*(1+w*8)
	}
	depth, ctype, interlaced := int64(b[24]), b[25], b[28] != 0
	var channels, perPixel int64
	switch ctype {
	case pngPaletted:
		channels, perPixel = 1, 1
	case pngGray:
		channels, perPixel = 1, max(depth/8, 1) // Gray or Gray16
		if pngHasTRNS(b) {
			perPixel *= 4 // NRGBA or NRGBA64
		}
	case pngGrayAlpha:
		channels, perPixel = 2, 4*max(depth/8, 1) // NRGBA or NRGBA64
	case pngRGB:
		channels, perPixel = 3, 4*max(depth/8, 1) // (N)RGBA or (N)RGBA64
	default: // pngRGBA
		channels, perPixel = 4, 4*max(depth/8, 1) // NRGBA or NRGBA64
	}
	row := 1 + (channels*depth*w+7)/8
	if interlaced {
		// The passes' rows add up to less than three rows of the image.
		return 2*w*h*perPixel + 6*row
	}
	return w*h*perPixel + 2*row
}

// pngHasTRNS reports whether a tRNS chunk comes before the first IDAT of
// the PNG b, whose IHDR has been read. CRCs are not checked.
func pngHasTRNS(b []byte) bool {
	for i := int64(33); i+8 <= int64(len(b)); {
		switch string(b[i+4 : i+8]) {
		case "tRNS":
			return true
		case "IDAT", "IEND":
			return false
		}
		i += 12 + int64(binary.BigEndian.Uint32(b[i:]))
	}
	return false
}

// jpegFrame is what the frame header (SOF, ITU T.81 B.2.2) and the APPn
// segments of a JPEG say about how image/jpeg decodes it.
type jpegFrame struct {
	progressive bool
	h, v        []int64 // sampling factors, per component
	jfif        bool    // an APP0 JFIF segment
	adobeRGB    bool    // an APP14 Adobe segment with transform 0 (RGB or CMYK)
	rgbIDs      bool    // three components named 'R', 'G', 'B'
}

// readJPEGFrame reads the first SOF0, SOF1 or SOF2 of b (the frame types
// image/jpeg decodes) and the APP0 and APP14 segments; ok is false when
// there is none or it is malformed.
func readJPEGFrame(b []byte) (f jpegFrame, ok bool) {
	walkJPEG(b, func(m byte, seg []byte) {
		if len(seg) < 4 {
			return
		}
		p := seg[4:]
		switch {
		case m == 0xe0 && bytes.HasPrefix(p, []byte("JFIF\x00")):
			f.jfif = true
		case m == 0xee && len(p) >= 12 && bytes.HasPrefix(p, []byte("Adobe")) && p[11] == 0:
			f.adobeRGB = true
		case (m == 0xc0 || m == 0xc1 || m == 0xc2) && !ok:
			if len(p) < 6 || len(p) < 6+3*int(p[5]) {
				return
			}
			n := int(p[5])
			if n != 1 && n != 3 && n != 4 {
				return
			}
			f.progressive = m == 0xc2
			for i := range n {
				hv := p[7+3*i]
				f.h = append(f.h, int64(max(hv>>4, 1)))
				f.v = append(f.v, int64(max(hv&0x0f, 1)))
			}
			if n == 1 {
				// T.81 A.2: one component is non-interleaved, and
				// image/jpeg takes its factors as 1×1.
				f.h[0], f.v[0] = 1, 1
			}
			f.rgbIDs = n == 3 && p[6] == 'R' && p[9] == 'G' && p[12] == 'B'
			ok = true
		}
	})
	return f, ok
}

// jpegDecodedSize is what image/jpeg allocates to decode b, plus the copy
// that turning it from o makes. The decoder keeps one plane per component,
// padded to whole MCUs, with the chroma subsampled as the frame says (4:2:0
// is 1.5 bytes a pixel, 4:4:4 is 3, CMYK 4); a progressive JPEG also keeps
// every coefficient until the last scan, 4 bytes a sample; a CMYK or RGB
// JPEG is then converted into a new image of 4 bytes a pixel. Whether
// image/jpeg takes three components as RGB depends on JFIF and Adobe
// segments anywhere before EOI, so any hint of RGB counts.
func jpegDecodedSize(b []byte, cfg image.Config, o orientation) int64 {
	w, h := int64(max(cfg.Width, 0)), int64(max(cfg.Height, 0))
	px := w * h
	f, ok := readJPEGFrame(b)
	if !ok {
		// DecodeConfig read a frame header, so this does not happen; if
		// it did, the worst case: 4 progressive 4:4:4 planes, converted
		// and turned.
		return px * (4*4 + 4 + 4 + 4)
	}
	n := len(f.h)
	mxx := (w + 8*f.h[0] - 1) / (8 * f.h[0])
	myy := (h + 8*f.v[0] - 1) / (8 * f.v[0])
	var planes int64
	for i := range n {
		planes += 64 * f.h[i] * f.v[i] * mxx * myy
	}
	size := planes
	if f.progressive {
		size += 4 * planes // a [64]int32 block for every 64 samples
	}
	rgb := n == 3 && (cfg.ColorModel == color.RGBAModel || !f.jfif && (f.adobeRGB || f.rgbIDs))
	if n == 4 || rgb {
		size += 4 * px
	}
	if o == upright {
		return size
	}
	// turn keeps grey and YCbCr images as they are, plane by plane, except
	// for 4:1:1 and 4:1:0 turned on their side; the rest become NRGBA.
	switch {
	case n == 1:
		size += px
	case n == 3 && !rgb && !(o.transposes() && f.h[0]/f.h[1] == 4):
		size += planes
	default:
		size += 4 * px
	}
	return size
}

// thumbnailSize is what thumbnail allocates for an upright w×h image
// scaled to tw pixels wide: imaging.Resize with the Lanczos filter scales
// the width first, into an NRGBA image tw wide and as high as the source,
// then the height. Each pass precomputes its filter weights (16 bytes for
// each source sample a destination sample reads, about 2×3 per source
// sample when shrinking) and scans one source line per goroutine, of which
// it runs GOMAXPROCS. For a very wide image the weights are what counts:
// a 20000000×2 strip needs about 2 GB for them alone.
func thumbnailSize(w, h, tw int64) int64 {
	if w <= 0 || h <= 0 || tw <= 0 {
		return 0
	}
	h = min(h, max(1, maxThumbAspect*w)) // thumbnail cuts a tall image first
	th := max(1, (2*tw*h+w)/(2*w))       // as imaging rounds
	procs := int64(runtime.GOMAXPROCS(0))
	var n int64
	if w != tw {
		n += resampleWeights(tw, w) + 4*tw*h + 4*w*min(procs, h) + 8*h
	}
	if h != th {
		n += resampleWeights(th, h) + 4*tw*th + 4*h*min(procs, tw) + 8*tw
	}
	if w == tw && h == th {
		n += 4 * tw * th // a clone
	}
	return n
}

// resampleWeights is what imaging allocates for the Lanczos weights of a
// resize from src to dst samples: for each destination sample a slice
// header and room for 2×(ru+2) weights of 16 bytes, ru being the filter's
// reach in source samples.
func resampleWeights(dst, src int64) int64 {
	ru := int64(math.Ceil(max(float64(src)/float64(dst), 1) * imaging.Lanczos.Support))
	return dst * (24 + 2*(ru+2)*16)
}
