package attachments

import (
	"bytes"
	"encoding/binary"
	"image"

	"github.com/disintegration/imaging"
)

// orientation is the EXIF Orientation tag (tag 0x0112, CIPA DC-008 4.6.4
// A): how the stored pixels must be turned to stand upright. 1 is upright;
// 2–8 mirror and/or rotate.
type orientation int

// upright is the orientation that needs no turning.
const upright orientation = 1

// transposes reports whether o swaps width and height.
func (o orientation) transposes() bool { return o >= 5 && o <= 8 }

// jpegOrientation reads the Orientation tag from IFD0 of the first EXIF
// APP1 segment of a JPEG, as cameras and phones write it. A JPEG without
// one, or with a value outside 1–8, is upright.
func jpegOrientation(b []byte) orientation {
	o := upright
	found := false
	walkJPEG(b, func(m byte, seg []byte) {
		if found || m != 0xe1 || len(seg) < 4 || !bytes.HasPrefix(seg[4:], []byte("Exif\x00\x00")) {
			return
		}
		found = true
		if v := tiffOrientation(seg[10:]); v >= 1 && v <= 8 {
			o = orientation(v)
		}
	})
	return o
}

// tiffOrientation finds tag 0x0112 in IFD0 of a TIFF structure (TIFF 6.0
// section 2), 0 when it is not there.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0
	}
	ifd := int64(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > int64(len(t)) {
		return 0
	}
	n := int64(order.Uint16(t[ifd:]))
	for k := range n {
		e := ifd + 2 + 12*k
		if e+12 > int64(len(t)) {
			return 0
		}
		if order.Uint16(t[e:]) == 0x0112 && order.Uint16(t[e+2:]) == 3 { // SHORT
			return int(order.Uint16(t[e+8:]))
		}
	}
	return 0
}

// turn returns img turned upright from orientation o. YCbCr and grey
// images, which is what JPEG decodes to, are turned plane by plane into an
// image of the same kind and size; others go through imaging, as NRGBA.
func turn(img image.Image, o orientation) image.Image {
	if o == upright {
		return img
	}
	switch m := img.(type) {
	case *image.YCbCr:
		if t, ok := turnYCbCr(m, o); ok {
			return t
		}
	case *image.Gray:
		b := m.Bounds()
		w, h := b.Dx(), b.Dy()
		if o.transposes() {
			w, h = h, w
		}
		t := image.NewGray(image.Rect(0, 0, w, h))
		turnPlane(t.Pix, t.Stride, w, h, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, b.Dx(), b.Dy(), o)
		return t
	}
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}

// turnYCbCr turns a YCbCr image plane by plane. Chroma subsampling
// follows the turn (4:2:2 becomes 4:4:0 when width and height swap); ok is
// false for the ratios that have no turned counterpart.
func turnYCbCr(m *image.YCbCr, o orientation) (*image.YCbCr, bool) {
	if m.Rect.Min != (image.Point{}) {
		return nil, false
	}
	ratio := m.SubsampleRatio
	if o.transposes() {
		switch ratio {
		case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420:
		case image.YCbCrSubsampleRatio422:
			ratio = image.YCbCrSubsampleRatio440
		case image.YCbCrSubsampleRatio440:
			ratio = image.YCbCrSubsampleRatio422
		default:
			return nil, false
		}
	}
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	if o.transposes() {
		w, h = h, w
	}
	t := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
	turnPlane(t.Y, t.YStride, w, h, m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, b.Dx(), b.Dy(), o)
	cw, ch := chromaSize(m.SubsampleRatio, b.Dx(), b.Dy())
	tw, th := chromaSize(ratio, w, h)
	off := m.COffset(b.Min.X, b.Min.Y)
	turnPlane(t.Cb, t.CStride, tw, th, m.Cb[off:], m.CStride, cw, ch, o)
	turnPlane(t.Cr, t.CStride, tw, th, m.Cr[off:], m.CStride, cw, ch, o)
	return t, true
}

// chromaSize is the width and height of the chroma planes of a w×h image
// with subsampling r that starts at (0, 0), as image.NewYCbCr makes them.
func chromaSize(r image.YCbCrSubsampleRatio, w, h int) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	}
	return w, h
}

// turnPlane writes into dst (dw×dh samples, dst rows stride ds apart) the
// plane src (sw×sh samples, rows ss apart) turned from orientation o.
func turnPlane(dst []byte, ds, dw, dh int, src []byte, ss, sw, sh int, o orientation) {
	for y := range dh {
		row := dst[y*ds : y*ds+dw]
		for x := range row {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = sw-1-x, y
			case 3: // upside down
				sx, sy = sw-1-x, sh-1-y
			case 4: // mirrored upside down
				sx, sy = x, sh-1-y
			case 5: // mirrored, on its side
				sx, sy = y, x
			case 6: // on its left side: turn clockwise
				sx, sy = y, sh-1-x
			case 7: // mirrored, on its right side
				sx, sy = sw-1-y, sh-1-x
			case 8: // on its right side: turn anticlockwise
				sx, sy = sw-1-y, x
			default:
				sx, sy = x, y
			}
			if sx < sw && sy < sh {
				row[x] = src[sy*ss+sx]
			}
		}
	}
}
