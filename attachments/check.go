package attachments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"strconv"
	"strings"

	"github.com/ticketd/ticketd/mailparse"
)

// Check judges one part of a letter under pol, as the package doc
// describes. It returns ReasonBudgetExceeded as soon as ctx ends, even if
// a decoder is still at work. It never panics and never modifies p.Body;
// the caller must not modify it either, since an inspection abandoned at
// the deadline may still be reading it.
func Check(ctx context.Context, p mailparse.Part, pol Policy) Verdict {
	return check(ctx, p, pol.withDefaults(), 1)
}

// CheckAll judges the parts of one letter, in order, within pol.Budget in
// all: when the budget or ctx runs out, the part being checked and every
// part after it get ReasonBudgetExceeded, so that a hostile letter cannot
// hold up the caller for longer than the budget. Parts without a filename
// are named after their position: "attachment-3.pdf".
func CheckAll(ctx context.Context, parts []mailparse.Part, pol Policy) []Verdict {
	pol = pol.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, pol.Budget)
	defer cancel()
	vs := make([]Verdict, len(parts))
	for i, p := range parts {
		vs[i] = check(ctx, p, pol, i+1)
	}
	return vs
}

// check judges the n-th part of a letter under a policy with defaults.
// When ctx can end, the inspection runs in a goroutine of its own, and is
// left to finish in the background if ctx ends first.
func check(ctx context.Context, p mailparse.Part, pol Policy, n int) Verdict {
	v := describe(p, n)
	if err := ctx.Err(); err != nil {
		return exceeded(v, err)
	}
	if ctx.Done() == nil {
		return inspectSafely(ctx, p, v, pol)
	}
	done := make(chan Verdict, 1)
	go func() { done <- inspectSafely(ctx, p, v, pol) }()
	select {
	case r := <-done:
		return r
	case <-ctx.Done():
		select {
		case r := <-done:
			return r
		default:
			return exceeded(v, ctx.Err())
		}
	}
}

// describe fills the facts of a verdict that need no judgement.
func describe(p mailparse.Part, n int) Verdict {
	sum := sha256.Sum256(p.Body)
	t := detect(p.Body)
	return Verdict{
		Filename:     sanitizeName(p.Filename, t, n),
		OriginalName: p.Filename,
		DeclaredType: p.ContentType,
		DetectedType: t,
		Size:         int64(len(p.Body)),
		SHA256:       hex.EncodeToString(sum[:]),
	}
}

// inspectSafely is inspect, with a panic turned into ReasonDamaged so
// that one hostile file cannot take the daemon down.
func inspectSafely(ctx context.Context, p mailparse.Part, v Verdict, pol Policy) (out Verdict) {
	defer func() {
		if r := recover(); r != nil {
			out = reject(v, ReasonDamaged, facts("error", fmt.Sprint("panic: ", r)))
		}
	}()
	return inspect(ctx, p, v, pol)
}

// inspect judges p, whose plain facts v already holds.
func inspect(ctx context.Context, p mailparse.Part, v Verdict, pol Policy) Verdict {
	b, t := p.Body, v.DetectedType
	switch {
	case v.Size == 0:
		return reject(v, ReasonEmpty, "")
	case v.Size > pol.MaxSize:
		return reject(v, ReasonTooLarge, facts("size", itoa(v.Size), "limit", itoa(pol.MaxSize)))
	}
	logo := pol.LogoMaxSize > 0 && (p.Inline || p.ContentID != "") && v.Size < pol.LogoMaxSize
	var cfg image.Config
	if isImage(t) && verifiable(t) {
		var err error
		cfg, err = imageConfig(b)
		if err != nil && pol.allows(t) {
			return reject(v, ReasonDamaged, facts("error", err.Error()))
		}
		v.Width, v.Height = cfg.Width, cfg.Height
		logo = logo && err == nil && cfg.Width <= pol.LogoMaxSide && cfg.Height <= pol.LogoMaxSide
	} else {
		logo = false
	}
	if !pol.allows(t) {
		if _, found := findHidden(t, b, len(b)); logo && !found {
			return skip(v)
		}
		return reject(v, ReasonWrongType, facts("type", t, "allowed", strings.Join(pol.verifiable(), ",")))
	}
	if err := ctx.Err(); err != nil {
		return exceeded(v, err)
	}
	if t == typePDF {
		return inspectPDF(ctx, b, v, pol)
	}
	if px := int64(v.Width) * int64(v.Height); px > pol.MaxPixels {
		return reject(v, ReasonTooManyPixels, facts("pixels", itoa(px), "limit", itoa(pol.MaxPixels)))
	}
	o := upright
	if t == typeJPEG {
		o = jpegOrientation(b)
	}
	need := decodedSize(t, b, cfg, o, pol.ThumbWidth)
	if need > pol.MaxDecodeBytes {
		return reject(v, ReasonTooLargeToDecode, facts("bytes", itoa(need), "limit", itoa(pol.MaxDecodeBytes)))
	}
	end, err := imageEnd(t, b)
	if err != nil {
		return reject(v, ReasonDamaged, facts("error", err.Error()))
	}
	if h, found := findHidden(t, b, end); found {
		return reject(v, ReasonPolyglot, h.detail())
	}
	if err := ctx.Err(); err != nil {
		return exceeded(v, err)
	}
	c, err := renderImage(ctx, t, b, end, o, need, pol)
	switch {
	case ctx.Err() != nil:
		return exceeded(v, ctx.Err())
	case err != nil:
		return reject(v, ReasonDamaged, facts("error", err.Error()))
	case logo:
		return skip(v)
	}
	v.Thumbnail, v.Display = c.thumbnail, c.display
	return accept(v)
}

// inspectPDF judges an allowed PDF.
func inspectPDF(ctx context.Context, b []byte, v Verdict, pol Policy) Verdict {
	info, err := scanPDF(ctx, b, 8*pol.MaxSize)
	v.Pages = info.pages
	switch {
	case ctx.Err() != nil:
		return exceeded(v, ctx.Err())
	case errors.Is(err, errNoEOF):
		return reject(v, ReasonDamaged, facts("error", err.Error()))
	}
	if h, found := findHidden(typePDF, b, info.end); found {
		return reject(v, ReasonPolyglot, h.detail())
	}
	switch {
	case info.encrypted:
		return reject(v, ReasonPDFEncrypted, facts("name", "/Encrypt"))
	case info.javascript != "":
		return reject(v, ReasonPDFJavaScript, facts("name", info.javascript))
	case info.embedded != "":
		return reject(v, ReasonPDFEmbeddedFiles, facts("name", info.embedded))
	case err != nil:
		return reject(v, ReasonDamaged, facts("error", err.Error()))
	}
	return accept(v)
}

func accept(v Verdict) Verdict {
	v.Accepted, v.Reason, v.Detail = true, ReasonNone, ""
	v.Filename = fixExtension(v.Filename, v.DetectedType)
	return v
}

func skip(v Verdict) Verdict {
	v.Skipped, v.Reason, v.Detail = true, ReasonNone, ""
	v.Filename = fixExtension(v.Filename, v.DetectedType)
	return v
}

func reject(v Verdict, r Reason, detail string) Verdict {
	v.Accepted, v.Skipped, v.Reason, v.Detail = false, false, r, detail
	v.Thumbnail, v.Display = nil, nil
	return v
}

func exceeded(v Verdict, err error) Verdict {
	return reject(v, ReasonBudgetExceeded, facts("error", err.Error()))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
