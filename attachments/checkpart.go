package attachments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/ticketd/ticketd/mailparse"
)

// Checked is what CheckPart found out about one part, and the part's
// bytes when they were read to judge it.
type Checked struct {
	Verdict Verdict
	// Body is the part's decoded content: p.Body when it was set, else the
	// bytes read from p.Open() for a part of at most Policy.MaxSize
	// bytes, for the caller to store. It is nil for a larger part, which
	// was read once as a stream and not kept: the caller stores it from
	// p.Open() again.
	Body []byte
	// Err is a failure to read the part (the letter's source, such as a
	// store under mailparse.ParseAt, failed, or ctx was canceled): no
	// verdict could be given and Verdict is zero. The caller should try the
	// letter again later; a failure to read is never a verdict on the file.
	Err error
}

// CheckPart judges the n-th part of a letter under pol as Check does, with
// the same Verdict, naming an unnamed part after n as CheckAll does. A
// part whose Body is nil (see mailparse.ParseAt) is read from p.Open():
// one of at most pol.MaxSize bytes (p.Size) into a buffer of exactly its
// size, then judged, and returned in Checked.Body; a larger one is read
// once as a stream for its SHA-256, size and detected type, and rejected
// as ReasonTooLarge without being held. Memory is thus bounded by
// pol.MaxSize, whatever the part's size.
//
// Like Check, CheckPart returns ReasonBudgetExceeded once ctx ends; to
// bound a whole letter by pol.Budget as CheckAll does, give every part the
// same context with that deadline. Reading a part is cut short only when
// ctx is canceled (Err then wraps context.Canceled): a verdict needs the
// SHA-256 of every byte, and the read is bounded by the part's size.
func CheckPart(ctx context.Context, p mailparse.Part, pol Policy, n int) Checked {
	return checkPart(ctx, p, p.Open, pol.withDefaults(), n)
}

// errSize is a part whose content is not as long as its Size says.
var errSize = errors.New("content and size disagree")

// readChunk is the size of the reads of a part too large to hold.
const readChunk = 32 << 10

// checkPart is CheckPart with the part's content read from open, under a
// policy with defaults.
func checkPart(ctx context.Context, p mailparse.Part, open func() io.Reader, pol Policy, n int) Checked {
	if p.Body != nil || p.Size == 0 {
		return Checked{Verdict: check(ctx, p, pol, n), Body: p.Body}
	}
	if p.Size < 0 {
		return Checked{Err: fmt.Errorf("attachments: read part %d: %w: size %d", n, errSize, p.Size)}
	}
	r := &canceledReader{ctx: ctx, r: open()}
	if p.Size > pol.MaxSize {
		v, err := stream(r, p, n)
		if err != nil {
			return Checked{Err: fmt.Errorf("attachments: read part %d: %w", n, err)}
		}
		if err := ctx.Err(); err != nil {
			return Checked{Verdict: exceeded(v, err)}
		}
		return Checked{Verdict: reject(v, ReasonTooLarge, facts("size", itoa(v.Size), "limit", itoa(pol.MaxSize)))}
	}
	body := make([]byte, p.Size)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: fewer than the %d bytes of its size", errSize, p.Size)
		}
		return Checked{Err: fmt.Errorf("attachments: read part %d: %w", n, err)}
	}
	var one [1]byte
	switch m, err := io.ReadFull(r, one[:]); {
	case m > 0:
		return Checked{Err: fmt.Errorf("attachments: read part %d: %w: more than the %d bytes of its size", n, errSize, p.Size)}
	case !errors.Is(err, io.EOF):
		return Checked{Err: fmt.Errorf("attachments: read part %d: %w", n, err)}
	}
	p.Body = body
	return Checked{Verdict: check(ctx, p, pol, n), Body: body}
}

// stream reads the part p, the n-th of its letter, from r to its end and
// returns the facts of its verdict that describe would give, had it the
// whole content.
func stream(r io.Reader, p mailparse.Part, n int) (Verdict, error) {
	h, s := sha256.New(), newSniffer()
	// One byte more than its size tells a source that yields too much,
	// without reading on forever.
	size, err := io.CopyBuffer(io.MultiWriter(h, s), io.LimitReader(r, p.Size+1), make([]byte, readChunk))
	if err != nil {
		return Verdict{}, err
	}
	switch {
	case size < p.Size:
		return Verdict{}, fmt.Errorf("%w: %d bytes, fewer than the %d of its size", errSize, size, p.Size)
	case size > p.Size:
		return Verdict{}, fmt.Errorf("%w: more than the %d bytes of its size", errSize, p.Size)
	}
	t := detectSample(s.sample())
	return Verdict{
		Filename:     sanitizeName(p.Filename, t, n),
		OriginalName: p.Filename,
		DeclaredType: p.ContentType,
		DetectedType: t,
		Size:         size,
		SHA256:       hex.EncodeToString(h.Sum(nil)),
	}, nil
}

// canceledReader reads r until ctx is canceled. A deadline of ctx does
// not stop it: see CheckPart.
type canceledReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *canceledReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); errors.Is(err, context.Canceled) {
		return 0, err
	}
	return c.r.Read(b)
}
