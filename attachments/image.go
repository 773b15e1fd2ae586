package attachments

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	// Decoders for image.Decode and image.DecodeConfig.
	_ "image/gif"

	"github.com/disintegration/imaging"
)

// imageCopies is what an accepted image gives the operator.
type imageCopies struct {
	thumbnail []byte
	display   Pieces
}

// renderImage decodes the image b, whose end marker is at end and whose
// EXIF orientation is o, in full, and makes the thumbnail and the display
// copy. A decoder error means the file is damaged. The decoding waits at
// pol.Gate for need bytes (see decodedSize), and the decoded pixels are let
// go before it returns.
//
// An upright JPEG or PNG keeps its own coded pixels in the display copy,
// with the metadata dropped (see stripped). A JPEG that EXIF says to turn
// is turned and encoded again, since its display copy keeps no EXIF to say
// so; a GIF's display copy is its first frame as PNG.
func renderImage(ctx context.Context, detected string, b []byte, end int, o orientation, need int64, pol Policy) (imageCopies, error) {
	leave, err := pol.Gate.enter(ctx, need)
	if err != nil {
		return imageCopies{}, err
	}
	defer leave()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return imageCopies{}, fmt.Errorf("attachments: decode: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return imageCopies{}, err
	}
	var c imageCopies
	if o == upright && detected != typeGIF {
		if c.display, err = stripped(detected, b[:end]); err != nil {
			return imageCopies{}, fmt.Errorf("attachments: display copy: %w", err)
		}
	} else {
		img = turn(img, o)
		turned, err := encodeDisplay(detected, img, len(b))
		if err != nil {
			return imageCopies{}, err
		}
		c.display = Pieces{turned}
		if err := ctx.Err(); err != nil {
			return imageCopies{}, err
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, thumbnail(img, pol.ThumbWidth)); err != nil {
		return imageCopies{}, fmt.Errorf("attachments: thumbnail: %w", err)
	}
	c.thumbnail = bytes.Clone(buf.Bytes())
	return c, nil
}

// encodeDisplay encodes a turned image as the display copy: JPEG at
// displayQuality for a JPEG, PNG otherwise. sizeHint is the original's
// size, which the copy is about.
func encodeDisplay(detected string, img image.Image, sizeHint int) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, sizeHint))
	var err error
	if detected == typeJPEG {
		err = jpeg.Encode(buf, img, &jpeg.Options{Quality: displayQuality})
	} else {
		err = png.Encode(buf, img)
	}
	if err != nil {
		return nil, fmt.Errorf("attachments: display copy: %w", err)
	}
	return buf.Bytes(), nil
}

// maxThumbAspect is the largest height of a thumbnail in widths.
const maxThumbAspect = 4

// thumbnail scales img to width w. An image more than maxThumbAspect times
// as high as wide, a scrolling screenshot or a hostile 1×2000000 strip, is
// cut to its top part first, so that the thumbnail stays small; the cut
// shares the pixels of img where the image type allows it.
func thumbnail(img image.Image, w int) *image.NRGBA {
	b := img.Bounds()
	if int64(b.Dy())*int64(w) > int64(maxThumbAspect*w)*int64(b.Dx()) {
		h := max(1, b.Dx()*maxThumbAspect)
		top := image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+h)
		if s, ok := img.(interface {
			SubImage(image.Rectangle) image.Image
		}); ok {
			img = s.SubImage(top)
		} else {
			img = imaging.Crop(img, top)
		}
	}
	return imaging.Resize(img, w, 0, imaging.Lanczos)
}

// displayQuality is the JPEG quality of display copies that are encoded
// again: high enough that small text in a screenshot of an error stays
// readable.
const displayQuality = 92

// imageConfig reads the dimensions of an image without decoding pixels.
func imageConfig(b []byte) (image.Config, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return image.Config{}, fmt.Errorf("attachments: image header: %w", err)
	}
	return cfg, nil
}
