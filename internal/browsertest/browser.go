package browsertest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/ticketd/ticketd/internal/e2e"
)

// Width and Height are the size of the browser's window and of every
// page's viewport, in CSS pixels: a 1366×768 laptop.
const (
	Width  = 1366
	Height = 768
)

// Browser is a running headless Chromium. Pages opened in it (NewPage) are
// tabs with a profile each, so that two people can be signed in at once.
type Browser struct {
	ctx context.Context // the browser's first tab, which stays blank
}

// flags are Chromium's command line besides the profile and the window.
// chromedp's own defaults are not used, so that this list is the whole
// command line. After the flags the package doc names: four keep pages'
// timers and rendering running in a headless tab that is never in front,
// and IsolateSandboxedIframes off keeps a sandboxed iframe (a letter's
// HTML) in its page's process, where the page's Network events see its
// requests from the first; the sandbox, which is what keeps its scripts
// from running, is the same in either process.
var flags = []chromedp.ExecAllocatorOption{
	chromedp.Flag("headless", true),
	chromedp.Flag("no-sandbox", true),
	chromedp.Flag("disable-gpu", true),
	chromedp.Flag("disable-quic", true),
	chromedp.Flag("no-first-run", true),
	chromedp.Flag("disable-background-networking", true),
	chromedp.Flag("disable-component-update", true),
	chromedp.Flag("disable-sync", true),
	chromedp.Flag("no-default-browser-check", true),
	chromedp.Flag("disable-dev-shm-usage", true),
	chromedp.Flag("disable-background-timer-throttling", true),
	chromedp.Flag("disable-renderer-backgrounding", true),
	chromedp.Flag("disable-backgrounding-occluded-windows", true),
	chromedp.Flag("hide-scrollbars", true),
	chromedp.Flag("disable-features", "IsolateSandboxedIframes"),
}

// Start starts Chromium for the test; t.Cleanup stops it and removes its
// temporary profile. When Chromium is not installed the test is skipped,
// or fails under CI or TICKETD_E2E=1 (see the package doc).
func Start(t testing.TB) *Browser {
	t.Helper()
	path, err := FindChromium()
	if err != nil {
		if errors.Is(err, ErrNotInstalled) && !e2e.Required() {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.WindowSize(Width, Height),
	}, flags...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	logf, stopLog := testLog(t)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		stopLog()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	return &Browser{ctx: ctx}
}

// testLog is t.Logf for chromedp's errors until stop is called: its
// goroutines may report while the browser is closed, after which the
// test may have ended, when logging would panic.
func testLog(t testing.TB) (logf func(string, ...any), stop func()) {
	var mu sync.Mutex
	done := false
	logf = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Logf("chromium: "+format, args...)
		}
	}
	stop = func() {
		mu.Lock()
		done = true
		mu.Unlock()
	}
	return logf, stop
}
