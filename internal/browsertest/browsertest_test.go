package browsertest

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// site is a trivial page: a script of its own that logs and then reaches
// the canary, and a sandboxed iframe (srcdoc, no allow-scripts) whose
// image points at the canary, the way a hostile letter would.
func site(canary, other string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><title>browsertest</title>
<h1 id="hello">Здравствуйте</h1>
<iframe class="letter" sandbox="" srcdoc="&lt;p&gt;letter&lt;img src=&quot;%s/from-iframe.png&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>
<iframe class="other-site" src="%s/frame"></iframe>
<script src="/app.js"></script>`, canary, other)
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, `console.log("app", "ready"); fetch(%q).catch(() => {}); alert("from app"); throw new Error("boom");`, canary+"/from-app")
	})
	mux.HandleFunc("GET /quiet", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>quiet</title><p id="q">nothing here</p>`)
	})
	return mux
}

func TestPageRecordsRequestsConsoleAndDialogs(t *testing.T) {
	canary := StartCanary(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<p>another site<img src="%s/from-other-site.png">`, canary.URL)
	}))
	defer other.Close()
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) // another site: its own process
	srv := httptest.NewServer(site(canary.URL, otherURL))
	defer srv.Close()
	p := Start(t).NewPage(t)

	p.Do(chromedp.Navigate(srv.URL + "/"))
	p.Do(chromedp.WaitVisible(chromedp.CSS("#hello")))
	waitFor(t, "the canary's three hits", func() bool { return len(canary.Hits()) >= 3 })

	hits := strings.Join(canary.Hits(), "\n")
	for _, path := range []string{"/from-app", "/from-iframe.png", "/from-other-site.png"} { // the last only the canary sees for sure
		if !strings.Contains(hits, "GET "+path+" ") {
			t.Errorf("canary hits = %q, want a GET %s", hits, path)
		}
	}
	var outside []string
	waitFor(t, "the three outside requests of the page in the network log", func() bool {
		outside = nil
		for _, r := range p.RequestsOutside(srv.URL) {
			outside = append(outside, r.URL)
		}
		return slices.Contains(outside, canary.URL+"/from-app") && slices.Contains(outside, canary.URL+"/from-iframe.png") &&
			slices.Contains(outside, otherURL+"/frame")
	})
	for _, r := range p.Requests() {
		t.Logf("request: %s", r)
	}
	if got := p.Dialogs(); !slices.Equal(got, []string{"alert: from app"}) {
		t.Errorf("Dialogs() = %q, want only the app's alert (the iframe may not run scripts)", got)
	}
	var sawLog, sawException bool
	for _, m := range p.Scripts() {
		sawLog = sawLog || m.Type == "log" && m.Text == "app ready"
		sawException = sawException || m.Type == "exception" && strings.Contains(m.Text, "boom")
	}
	if !sawLog || !sawException {
		t.Errorf("Scripts() = %v, want the app's log line and its exception", p.Scripts())
	}
}

func TestQuietPage(t *testing.T) {
	canary := StartCanary(t)
	srv := httptest.NewServer(site(canary.URL, canary.URL))
	defer srv.Close()
	p := Start(t).NewPage(t)
	p.Do(chromedp.Navigate(srv.URL+"/quiet"), chromedp.WaitVisible(chromedp.CSS("#q")))
	if got := p.RequestsOutside(srv.URL); len(got) != 0 {
		t.Errorf("RequestsOutside = %v, want none", got)
	}
	if got := p.Requests(); len(got) == 0 || got[0].URL != srv.URL+"/quiet" {
		t.Errorf("Requests() = %v, want the page first", got)
	}
	if got := p.Scripts(); len(got) != 0 {
		t.Errorf("Scripts() = %v, want none", got)
	}
	if got := canary.Hits(); len(got) != 0 {
		t.Errorf("canary hits = %v, want none", got)
	}
	shot := filepath.Join(t.TempDir(), "quiet.png")
	if err := p.Screenshot(shot); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if cfg.Width != Width || cfg.Height != Height {
		t.Errorf("screenshot is %dx%d, want %dx%d", cfg.Width, cfg.Height, Width, Height)
	}
}

func TestPagesDoNotShareCookies(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /set", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "s", Value: "1", Path: "/"})
		fmt.Fprint(w, `<p id="ok">set</p>`)
	})
	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		_, err := r.Cookie("s")
		fmt.Fprintf(w, `<p id="ok">%v</p>`, err == nil)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	b := Start(t)
	one, two := b.NewPage(t), b.NewPage(t)
	one.Do(chromedp.Navigate(srv.URL + "/set"))
	for _, c := range []struct {
		p    *Page
		want string
	}{{one, "true"}, {two, "false"}} {
		c.p.Do(chromedp.Navigate(srv.URL + "/get"))
		got, err := chromedp.Run(c.p.Context(), chromedp.Text(chromedp.CSS("#ok")))
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("cookie sent = %s, want %s", got, c.want)
		}
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// while; no test asserts how long it took.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
