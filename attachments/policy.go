package attachments

import "time"

// Policy says what Check accepts. A zero field takes its default, so
// Policy{} is the same as DefaultPolicy().
type Policy struct {
	// MaxSize is the largest accepted file in bytes: a file of exactly
	// MaxSize bytes is accepted, one of MaxSize+1 rejected. Default 5 MiB.
	MaxSize int64
	// Allowed lists the detected media types that are accepted. Default
	// image/jpeg, image/png and application/pdf.
	Allowed []string
	// MaxPixels is the largest accepted width×height of an image.
	// Default 50 000 000.
	MaxPixels int64
	// MaxDecodeBytes is the most memory in bytes that checking one image
	// may allocate: its decoded pixels with the decoder's buffers, the
	// copy that turning it upright makes, and its thumbnail, estimated
	// from the header before any pixel is decoded (see the package doc).
	// An image that needs more is ReasonTooLargeToDecode. An image within
	// it but larger than Gate is decoded alone. Default
	// DefaultMaxDecodeBytes.
	MaxDecodeBytes int64
	// LogoMaxSize: an inline image smaller than this many bytes, and no
	// more than LogoMaxSide pixels wide and high, is a signature logo and
	// skipped (see the package doc). Default 20 KiB; negative turns the
	// rule off.
	LogoMaxSize int64
	// LogoMaxSide is the largest width and height of a signature logo in
	// pixels. Default 200.
	LogoMaxSide int
	// Budget is the time CheckAll may spend on one letter. Default 10 s.
	Budget time.Duration
	// ThumbWidth is the width of thumbnails in pixels. Default 320.
	ThumbWidth int
	// Gate, when not nil, bounds the memory that decoded images hold at
	// once across every check given the same Gate. Default nil: each
	// check is bounded by MaxPixels alone.
	Gate *Gate
}

// Defaults of Policy.
const (
	DefaultMaxSize     = 5 * 1024 * 1024
	DefaultMaxPixels   = 50_000_000
	DefaultLogoMaxSize = 20 * 1024
	DefaultLogoMaxSide = 200
	DefaultBudget      = 10 * time.Second
	DefaultThumbWidth  = 320
)

// DefaultMaxDecodeBytes is the default Policy.MaxDecodeBytes, 128 MiB
// (134 217 728 bytes). Within MaxSize and MaxPixels it accepts, with room
// to spare, what citizens send: a 12-megapixel phone photo that must be
// turned (4000×3000, 4:2:0) takes 43 MB, a 4K screenshot (3840×2160 PNG,
// RGBA) 37 MB, a 2560×1440 one 17 MB, a scrolling phone screenshot of
// 1080×20000 pixels 94 MB. In all, an RGBA PNG of up to about 32
// megapixels passes (an 8K screenshot, 7680×4320, just does not) and a
// baseline 4:2:0 JPEG of up to MaxPixels. It refuses what only a crafted or
// an unusual file asks for: 7000×7000 pixels of 16-bit RGBA would take
// 403 MB, a progressive 4:4:4 JPEG of 12 megapixels 185 MB. A refusal
// costs a letter asking the citizen for a smaller picture; an acceptance
// too many, the daemon's memory.
const DefaultMaxDecodeBytes = 128 << 20

// DefaultPolicy returns the policy the support page promises: JPEG, PNG or
// PDF, at most 5 MiB each.
func DefaultPolicy() Policy {
	return Policy{
		MaxSize:        DefaultMaxSize,
		Allowed:        []string{typeJPEG, typePNG, typePDF},
		MaxPixels:      DefaultMaxPixels,
		MaxDecodeBytes: DefaultMaxDecodeBytes,
		LogoMaxSize:    DefaultLogoMaxSize,
		LogoMaxSide:    DefaultLogoMaxSide,
		Budget:         DefaultBudget,
		ThumbWidth:     DefaultThumbWidth,
	}
}

// withDefaults fills the zero fields of p.
func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	if p.MaxSize <= 0 {
		p.MaxSize = d.MaxSize
	}
	if len(p.Allowed) == 0 {
		p.Allowed = d.Allowed
	}
	if p.MaxPixels <= 0 {
		p.MaxPixels = d.MaxPixels
	}
	if p.MaxDecodeBytes <= 0 {
		p.MaxDecodeBytes = d.MaxDecodeBytes
	}
	if p.LogoMaxSize == 0 {
		p.LogoMaxSize = d.LogoMaxSize
	}
	if p.LogoMaxSide <= 0 {
		p.LogoMaxSide = d.LogoMaxSide
	}
	if p.Budget <= 0 {
		p.Budget = d.Budget
	}
	if p.ThumbWidth <= 0 {
		p.ThumbWidth = d.ThumbWidth
	}
	return p
}

// allows reports whether the detected type t is allowed and can be
// verified.
func (p Policy) allows(t string) bool {
	if !verifiable(t) {
		return false
	}
	for _, a := range p.Allowed {
		if a == t {
			return true
		}
	}
	return false
}

// verifiable returns the allowed types that Check can verify, the ones it
// accepts.
func (p Policy) verifiable() []string {
	var ts []string
	for _, t := range p.Allowed {
		if verifiable(t) {
			ts = append(ts, t)
		}
	}
	return ts
}
