package attachments

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"

	// Decoders for image.DecodeConfig; imaging registers the same ones.
	_ "image/gif"
	_ "image/jpeg"

	"github.com/disintegration/imaging"
)

// imageCopies is what an accepted image gives the operator.
type imageCopies struct {
	thumbnail, display []byte
}

// renderImage decodes an image in full, applying its EXIF orientation,
// and makes the thumbnail and the display copy. A decoder error means the
// file is damaged.
func renderImage(ctx context.Context, detected string, b []byte, thumbWidth int) (imageCopies, error) {
	img, err := imaging.Decode(bytes.NewReader(b), imaging.AutoOrientation(true))
	if err != nil {
		return imageCopies{}, fmt.Errorf("attachments: decode: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return imageCopies{}, err
	}
	var c imageCopies
	var buf bytes.Buffer
	if err := png.Encode(&buf, thumbnail(img, thumbWidth)); err != nil {
		return imageCopies{}, fmt.Errorf("attachments: thumbnail: %w", err)
	}
	c.thumbnail = bytes.Clone(buf.Bytes())
	if err := ctx.Err(); err != nil {
		return imageCopies{}, err
	}
	buf.Reset()
	format, opts := imaging.PNG, []imaging.EncodeOption(nil)
	if detected == typeJPEG {
		format, opts = imaging.JPEG, []imaging.EncodeOption{imaging.JPEGQuality(displayQuality)}
	}
	if err := imaging.Encode(&buf, img, format, opts...); err != nil {
		return imageCopies{}, fmt.Errorf("attachments: display copy: %w", err)
	}
	c.display = buf.Bytes()
	return c, nil
}

// maxThumbAspect is the largest height of a thumbnail in widths.
const maxThumbAspect = 4

// thumbnail scales img to width w. An image more than maxThumbAspect times
// as high as wide, a scrolling screenshot or a hostile 1×2000000 strip, is
// cut to its top part first, so that the thumbnail stays small.
func thumbnail(img image.Image, w int) *image.NRGBA {
	b := img.Bounds()
	if int64(b.Dy())*int64(w) > int64(maxThumbAspect*w)*int64(b.Dx()) {
		h := max(1, b.Dx()*maxThumbAspect)
		img = imaging.Crop(img, image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+h))
	}
	return imaging.Resize(img, w, 0, imaging.Lanczos)
}

// displayQuality is the JPEG quality of display copies: high enough that
// small text in a screenshot of an error stays readable.
const displayQuality = 92

// imageConfig reads the dimensions of an image without decoding pixels.
func imageConfig(b []byte) (image.Config, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return image.Config{}, fmt.Errorf("attachments: image header: %w", err)
	}
	return cfg, nil
}
