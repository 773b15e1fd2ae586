package attachments

import (
	"context"
	"image"
	"image/color"

	"golang.org/x/sync/semaphore"
)

// Gate bounds the memory that decoded images hold at once, across every
// check that shares it: a check waits at the gate until the pixels it is
// about to decode fit. An image larger than the whole gate is decoded
// alone. A nil *Gate lets every image through at once.
type Gate struct {
	sem  *semaphore.Weighted
	size int64
}

// NewGate returns a gate for decoded images of size bytes in all.
func NewGate(size int64) *Gate {
	size = max(size, 1)
	return &Gate{sem: semaphore.NewWeighted(size), size: size}
}

// enter waits until n bytes fit through the gate, or ctx ends, and returns
// the function that lets them out again.
func (g *Gate) enter(ctx context.Context, n int64) (leave func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	n = min(max(n, 1), g.size)
	if err := g.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { g.sem.Release(n) }, nil
}

// decodedSize estimates the bytes that decoding an image of cfg takes, and
// turning it from orientation o: a turned JPEG is held twice for a moment.
func decodedSize(cfg image.Config, o orientation) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	var perPixel int64
	switch cfg.ColorModel {
	case color.GrayModel, color.AlphaModel:
		perPixel = 1
	case color.Gray16Model, color.Alpha16Model:
		perPixel = 2
	case color.YCbCrModel:
		perPixel = 3 // 4:4:4 at most
	case color.RGBA64Model, color.NRGBA64Model:
		perPixel = 8
	default: // RGBA, NRGBA, CMYK, paletted
		perPixel = 4
	}
	n := px * perPixel
	if o != upright {
		n *= 2
	}
	return n
}
