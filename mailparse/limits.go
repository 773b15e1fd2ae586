package mailparse

import "errors"

// Limits bound the work Parse does on one message. A zero field means the
// default for that field.
type Limits struct {
	MaxHeaderBytes int // bytes in one header block, of the message or of a part
	MaxDepth       int // nesting of multiparts and attached messages
	MaxParts       int // body parts in the whole message, at any depth
	MaxTextBytes   int // bytes of decoded text (Text, and HTML on its own)
}

// DefaultLimits returns the limits Parse uses when it is given none: a
// 256 KiB header, 20 levels of nesting, 500 parts and 4 MiB of text.
func DefaultLimits() Limits {
	return Limits{
		MaxHeaderBytes: 256 << 10,
		MaxDepth:       20,
		MaxParts:       500,
		MaxTextBytes:   4 << 20,
	}
}

// maxDepthCap keeps the recursion of Parse far from the goroutine stack limit
// whatever the caller asks for.
const maxDepthCap = 1000

// orDefaults fills the zero (or negative) fields of lim with the defaults.
func (lim *Limits) orDefaults() Limits {
	d := DefaultLimits()
	if lim == nil {
		return d
	}
	out := *lim
	if out.MaxHeaderBytes <= 0 {
		out.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if out.MaxDepth <= 0 {
		out.MaxDepth = d.MaxDepth
	}
	out.MaxDepth = min(out.MaxDepth, maxDepthCap)
	if out.MaxParts <= 0 {
		out.MaxParts = d.MaxParts
	}
	if out.MaxTextBytes <= 0 {
		out.MaxTextBytes = d.MaxTextBytes
	}
	return out
}

// Errors returned by Parse. ErrRefused comes with a Letter of the header's
// fields alone; the others with a Letter read as far as it goes. Every
// Letter is worth storing.
var (
	// ErrRefused means the message exceeds a limit; the wrapping error
	// names it. Parse returns a Letter with what the header says, no text
	// and no parts.
	ErrRefused = errors.New("mailparse: message refused")

	// ErrDamaged means the message is malformed but was read: some part of
	// it may be missing or decoded by guesswork, or the text was cut at
	// Limits.MaxTextBytes. The wrapping error lists what was wrong.
	ErrDamaged = errors.New("mailparse: message damaged")

	// ErrNoHeader means the bytes do not start with a header. The Letter
	// carries the input decoded as text, cut at Limits.MaxTextBytes, in
	// Text, and it split as usual into Description, Quoted and Signature.
	ErrNoHeader = errors.New("mailparse: no header")
)
