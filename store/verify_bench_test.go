package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/store/storetest"
)

// TestVerifyChainOfABuiltStore checks that a store storetest builds (with
// store.DB.Load, as the benchmarks' stores are) verifies whole: Load
// writes the chain as filing each letter would.
func TestVerifyChainOfABuiltStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "built.db")
	if err := storetest.Build(ctx, path, 300, &storetest.Options{Key: storetest.Key()}); err != nil {
		t.Fatal(err)
	}
	db := openVerifying(t, path)
	rep, err := db.VerifyChain(ctx, store.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Letters != 900 || rep.Events < 900 {
		t.Errorf("VerifyChain of 300 built tickets = %+v, want 900 letters and their events", rep)
	}
}

func openVerifying(tb testing.TB, path string) *store.DB {
	tb.Helper()
	db, err := store.OpenReadOnly(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.UseKey(storetest.Key()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// BenchmarkVerifyChain checks a sealed store of 10,000 tickets (three
// letters each) built for the run, and with TICKETD_BENCH_1M=1 the
// million-ticket store of storetest.Cached. It reports events and letters'
// megabytes checked per second, and the largest heap seen while checking.
func BenchmarkVerifyChain(b *testing.B) {
	b.Run("10k", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "bench.db")
		if err := storetest.Build(context.Background(), path, 10_000, &storetest.Options{Key: storetest.Key(), Seed: 1}); err != nil {
			b.Fatal(err)
		}
		benchmarkVerify(b, path)
	})
	if os.Getenv("TICKETD_BENCH_1M") == "" {
		return
	}
	b.Run("1M", func(b *testing.B) {
		start := time.Now()
		path, err := storetest.Cached(context.Background(), 1_000_000, func(made int) {
			if made%100_000 == 0 {
				fmt.Fprintf(os.Stderr, "storetest: %d tickets in %s\n", made, time.Since(start).Round(time.Second))
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		benchmarkVerify(b, path)
	})
}

func benchmarkVerify(b *testing.B, path string) {
	db := openVerifying(b, path)
	var peak uint64
	var ms runtime.MemStats
	sample := func(done, total int64) {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	var rep store.VerifyReport
	runtime.GC() // the garbage of building the store is not the check's
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		var err error
		if rep, err = db.VerifyChain(context.Background(), store.VerifyOptions{Progress: sample}); err != nil {
			b.Fatal(err)
		}
	}
	perRun := b.Elapsed().Seconds() / float64(b.N)
	cpuPerRun := (cpuTime() - cpu0).Seconds() / float64(b.N)
	b.ReportMetric(cpuPerRun, "cpu-s/op")
	b.ReportMetric(float64(rep.Events)/perRun, "events/s")
	b.ReportMetric(float64(rep.Letters)/perRun, "letters/s")
	b.ReportMetric(float64(rep.LetterBytes+rep.FileBytes)/(1<<20)/perRun, "MiB/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.Logf("%d events, %d letters (%d bytes), %d files in %.2fs a run (%.2fs of CPU)", rep.Events, rep.Letters, rep.LetterBytes,
		rep.Files, perRun, cpuPerRun)
}

// cpuTime is the CPU time this process has used: on a shared machine it
// says more than the time on the clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
