package attachments

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketd/ticketd/mailparse"
)

// noiseJPEG returns a JPEG of coloured noise at quality 95 of close to,
// and not more than, size bytes: the worst case of a real photo.
func noiseJPEG(tb testing.TB, size int) []byte {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	side := 1400
	for {
		img := image.NewRGBA(image.Rect(0, 0, side, side*3/4))
		for i := range img.Pix {
			img.Pix[i] = byte(r.Uint32())
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
			tb.Fatal(err)
		}
		if n := buf.Len(); n <= size && n > size*97/100 {
			return buf.Bytes()
		} else {
			side = int(float64(side) * math.Sqrt(float64(size)*0.985/float64(n)))
		}
	}
}

// BenchmarkCheckJPEG5MB checks a 5 MB noise JPEG: detection, structure
// walk, polyglot search, full decode, thumbnail and display copy. Besides
// allocations per check it reports peak-HeapInuse-MB, the most the heap
// grew over its size before one check, sampled every millisecond.
func BenchmarkCheckJPEG5MB(b *testing.B) {
	body := noiseJPEG(b, DefaultMaxSize)
	p := mailparse.Part{Filename: "photo.jpg", ContentType: "image/jpeg", Body: body}
	pol := DefaultPolicy()
	ctx := context.Background()
	if v := Check(ctx, p, pol); !v.Accepted {
		b.Fatalf("Check(noise JPEG) = %s (%s), want accepted", v.Reason, v.Detail)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		Check(ctx, p, pol)
	}
	b.StopTimer()
	b.ReportMetric(float64(len(body))/1e6, "file-MB")
	cfg, _ := jpeg.DecodeConfig(bytes.NewReader(body))
	b.ReportMetric(float64(cfg.Width*cfg.Height)/1e6, "Mpx")
	b.ReportMetric(float64(peakHeapGrowth(func() { Check(ctx, p, pol) }))/(1<<20), "peak-HeapInuse-MB")
}

// peakHeapGrowth runs f once and returns how far HeapInuse rose above its
// value before f, sampled every millisecond.
func peakHeapGrowth(f func()) uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(done)
	<-stopped
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

// BenchmarkCheckPartJPEG5MB is BenchmarkCheckJPEG5MB with the JPEG read
// through an opener, as CheckPart reads a part of mailparse.ParseAt: the
// cost of the read and of the buffer it fills.
func BenchmarkCheckPartJPEG5MB(b *testing.B) {
	body := noiseJPEG(b, DefaultMaxSize)
	p := mailparse.Part{Filename: "photo.jpg", ContentType: "image/jpeg", Size: int64(len(body))}
	open := func() io.Reader { return bytes.NewReader(body) }
	pol := DefaultPolicy()
	ctx := context.Background()
	if c := checkPart(ctx, p, open, pol, 1); !c.Verdict.Accepted {
		b.Fatalf("CheckPart(noise JPEG) = %s (%s), err %v, want accepted", c.Verdict.Reason, c.Verdict.Detail, c.Err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		checkPart(ctx, p, open, pol, 1)
	}
	b.StopTimer()
	b.ReportMetric(float64(peakHeapGrowth(func() { checkPart(ctx, p, open, pol, 1) }))/(1<<20), "peak-HeapInuse-MB")
}

// BenchmarkCheckPartTooLarge24MB streams a 24 MiB part, too large for the
// policy, through CheckPart: SHA-256, size and type, nothing held.
func BenchmarkCheckPartTooLarge24MB(b *testing.B) {
	body := make([]byte, 24<<20)
	rand.NewChaCha8([32]byte{1}).Read(body)
	p := mailparse.Part{Filename: "dump.bin", ContentType: "application/octet-stream", Size: int64(len(body))}
	open := func() io.Reader { return bytes.NewReader(body) }
	pol := DefaultPolicy()
	ctx := context.Background()
	if c := checkPart(ctx, p, open, pol, 1); c.Verdict.Reason != ReasonTooLarge {
		b.Fatalf("CheckPart(24 MiB) = %s, err %v, want %s", c.Verdict.Reason, c.Err, ReasonTooLarge)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		checkPart(ctx, p, open, pol, 1)
	}
	b.StopTimer()
	b.ReportMetric(float64(peakHeapGrowth(func() { checkPart(ctx, p, open, pol, 1) }))/(1<<20), "peak-HeapInuse-MB")
}
