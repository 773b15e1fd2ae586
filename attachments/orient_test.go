package attachments

import (
	"image"
	"image/color"
	"testing"

	"github.com/disintegration/imaging"
)

// imagingTurn is what imaging does for each orientation, the reference
// for turn.
func imagingTurn(img image.Image, o orientation) *image.NRGBA {
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
	return imaging.Clone(img)
}

func TestTurnMatchesImaging(t *testing.T) {
	pic := testPicture(7, 5)
	gray := image.NewGray(pic.Bounds())
	ycc := image.NewYCbCr(pic.Bounds(), image.YCbCrSubsampleRatio444)
	for y := range 5 {
		for x := range 7 {
			gray.Set(x, y, pic.At(x, y))
			r, g, b, _ := pic.At(x, y).RGBA()
			i, c := ycc.YOffset(x, y), ycc.COffset(x, y)
			ycc.Y[i], ycc.Cb[c], ycc.Cr[c] = color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(b>>8))
		}
	}
	for _, src := range []image.Image{gray, ycc} {
		for o := orientation(1); o <= 8; o++ {
			got, want := turn(src, o), imagingTurn(src, o)
			if got.Bounds() != want.Bounds() {
				t.Fatalf("turn(%T, %d) is %v, want %v", src, o, got.Bounds(), want.Bounds())
			}
			r := want.Bounds()
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					g, w := imaging.Clone(got).NRGBAAt(x, y), want.NRGBAAt(x, y)
					if g != w {
						t.Fatalf("turn(%T, %d) at (%d, %d) = %v, want %v", src, o, x, y, g, w)
					}
				}
			}
		}
	}
}

func TestTurnKeepsSubsampling(t *testing.T) {
	tests := []struct {
		ratio, turned image.YCbCrSubsampleRatio
	}{
		{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio420},
		{image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440},
		{image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio422},
	}
	for _, tt := range tests {
		src := image.NewYCbCr(image.Rect(0, 0, 9, 5), tt.ratio)
		got, ok := turn(src, 6).(*image.YCbCr)
		if !ok || got.SubsampleRatio != tt.turned || got.Bounds() != image.Rect(0, 0, 5, 9) {
			t.Errorf("turn(9×5 %v, 6) = %T, want a 5×9 %v YCbCr", tt.ratio, got, tt.turned)
		}
	}
}

func TestJPEGOrientation(t *testing.T) {
	for o := uint16(1); o <= 8; o++ {
		b := withMetadata(t, testPicture(8, 8), o)
		if got := jpegOrientation(b); got != orientation(o) {
			t.Errorf("jpegOrientation(EXIF orientation %d) = %d", o, got)
		}
	}
	if got := jpegOrientation(readTestdata(t, "phone-orientation6-gps.jpg")); got != 6 {
		t.Errorf("jpegOrientation(phone-orientation6-gps.jpg) = %d, want 6", got)
	}
	if got := jpegOrientation(withMetadata(t, testPicture(8, 8), 42)); got != upright {
		t.Errorf("jpegOrientation(EXIF orientation 42) = %d, want %d", got, upright)
	}
}
