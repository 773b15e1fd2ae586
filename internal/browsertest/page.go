package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// Page is one tab with a profile of its own (cookies are not shared with
// other pages), and the record of what it did since it opened.
type Page struct {
	ctx context.Context
	t   testing.TB

	mu       sync.Mutex
	requests []Request
	byID     map[network.RequestID]int // index in requests of the latest with the id
	console  []Message
	dialogs  []string
	frames   map[target.ID]bool // frame targets attached to
}

// Request is one request the page or a frame in it made, from the
// protocol's Network.requestWillBeSent (one per redirect hop).
type Request struct {
	URL    string
	Method string
	Type   network.ResourceType
	// Target is "page" for the tab's own process and "iframe" for a frame
	// that Chromium runs in a process of its own.
	Target string
	// Failed is the error text of Network.loadingFailed, and Blocked its
	// blocked reason (such as "csp"), when the request did not complete.
	Failed  string
	Blocked network.BlockedReason
}

func (r Request) String() string {
	s := r.Method + " " + r.URL + " (" + string(r.Type) + ", " + r.Target
	if r.Blocked != "" {
		s += ", blocked: " + string(r.Blocked)
	} else if r.Failed != "" {
		s += ", failed: " + r.Failed
	}
	return s + ")"
}

// Message is a line of the browser's console: a call of the console API,
// an exception nothing caught (Type "exception"), or an entry of the
// browser's log such as a Content-Security-Policy violation (Source
// "security" or "other").
type Message struct {
	Type   string
	Source string
	Text   string
	URL    string
}

func (m Message) String() string {
	s := m.Type
	if m.Source != "" {
		s += "/" + m.Source
	}
	return s + ": " + m.Text + " (" + m.URL + ")"
}

// NewPage opens a tab in a new browser context: empty cookies and storage.
// The viewport is Width×Height. t.Cleanup closes it.
func (b *Browser) NewPage(t testing.TB) *Page {
	t.Helper()
	p := &Page{t: t, byID: map[network.RequestID]int{}, frames: map[target.ID]bool{}}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(),
		chromedp.WithListener(p.listen(nil, "page")))
	t.Cleanup(cancel)
	p.ctx = ctx
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(Width, Height)); err != nil {
		t.Fatalf("browsertest: open a page: %v", err)
	}
	return p
}

// Context is the page's chromedp context, for chromedp.Run and Do.
func (p *Page) Context() context.Context { return p.ctx }

// Do runs actions on the page and fails the test if one fails.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("browsertest: %v", err)
	}
}

// listen returns the event handler of the page's target (ctx nil) or of a
// frame target; it runs on chromedp's reading goroutine, so it only
// records, and hands anything that needs a command to a goroutine.
func (p *Page) listen(ctx context.Context, kind string) func(any) {
	return func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			p.mu.Lock()
			p.byID[ev.RequestID] = len(p.requests)
			p.requests = append(p.requests, Request{URL: ev.Request.URL, Method: ev.Request.Method, Type: ev.Type, Target: kind})
			p.mu.Unlock()
		case *network.EventLoadingFailed:
			p.mu.Lock()
			if i, ok := p.byID[ev.RequestID]; ok {
				p.requests[i].Failed, p.requests[i].Blocked = ev.ErrorText, ev.BlockedReason
			}
			p.mu.Unlock()
		case *runtime.EventConsoleAPICalled:
			var text []string
			for _, a := range ev.Args {
				text = append(text, remoteText(a))
			}
			m := Message{Type: string(ev.Type), Text: strings.Join(text, " ")}
			if ev.StackTrace != nil && len(ev.StackTrace.CallFrames) > 0 {
				m.URL = ev.StackTrace.CallFrames[0].URL
			}
			p.addMessage(m)
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + remoteText(d.Exception)
			}
			p.addMessage(Message{Type: "exception", Text: text, URL: d.URL})
		case *log.EventEntryAdded:
			p.addMessage(Message{Type: string(ev.Entry.Level), Source: string(ev.Entry.Source), Text: ev.Entry.Text, URL: ev.Entry.URL})
		case *page.EventJavascriptDialogOpening:
			p.mu.Lock()
			p.dialogs = append(p.dialogs, string(ev.Type)+": "+ev.Message)
			p.mu.Unlock()
			go p.dismiss(ctx)
		case *target.EventAttachedToTarget:
			if ctx == nil && ev.TargetInfo != nil && ev.TargetInfo.Type == "iframe" {
				go p.attachFrame(ev.TargetInfo.TargetID)
			}
		}
	}
}

func (p *Page) addMessage(m Message) {
	p.mu.Lock()
	p.console = append(p.console, m)
	p.mu.Unlock()
}

// dismiss closes a dialog, which would otherwise block the page.
func (p *Page) dismiss(ctx context.Context) {
	if ctx == nil {
		ctx = p.ctx
	}
	chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
}

// attachFrame attaches to a frame that Chromium runs in a process of its
// own (a frame from another site), whose network and console events do
// not reach the page's target, and records them too. The frame's own
// document is requested by the page, so it is in the log anyway; what
// the frame requests before the attachment is done is not (the Canary
// sees it). Sandboxed frames of the page's site stay in its process (see
// flags), so a letter's frame is recorded whole.
func (p *Page) attachFrame(id target.ID) {
	p.mu.Lock()
	seen := p.frames[id]
	p.frames[id] = true
	p.mu.Unlock()
	if seen {
		return
	}
	var fctx context.Context
	fctx, cancel := chromedp.NewContext(p.ctx, chromedp.WithTargetID(id), chromedp.WithListener(func(ev any) {
		p.listen(fctx, "iframe")(ev)
	}))
	context.AfterFunc(p.ctx, cancel) // the frame's target ends with the page's
	chromedp.Do(fctx)                // attaches
}

// remoteText is a console argument as text.
func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Type == runtime.RemoteObjectTypeString {
		var s string
		if err := json.Unmarshal(o.Value, &s); err == nil {
			return s
		}
	}
	if o.Description != "" {
		return o.Description
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	return string(o.Value)
}

// Requests returns every request the page made so far, in order.
func (p *Page) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.requests)
}

// RequestsOutside returns the requests the page made to anywhere but
// origin (such as "http://127.0.0.1:8080"), including those the browser
// blocked before they left (Blocked says why). data: and about: URLs,
// which go nowhere, are not counted.
func (p *Page) RequestsOutside(origin string) []Request {
	var out []Request
	for _, r := range p.Requests() {
		if !SameOrigin(r.URL, origin) {
			out = append(out, r)
		}
	}
	return out
}

// SameOrigin reports whether u is on origin (scheme://host:port), or is a
// data: or about: URL, which goes nowhere; a blob: URL counts by the
// origin it names. Anything else, a javascript: URL among them, is not.
func SameOrigin(u, origin string) bool {
	pu, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch pu.Scheme {
	case "data", "about":
		return true
	case "blob":
		pu, err = url.Parse(pu.Opaque)
		if err != nil {
			return false
		}
	}
	po, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return pu.Scheme == po.Scheme && pu.Host == po.Host
}

// Console returns what the page and its frames wrote to the console so
// far: console API calls, uncaught exceptions and the browser's log.
func (p *Page) Console() []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.console)
}

// Scripts returns the console messages that only a running script makes:
// console API calls and uncaught exceptions, not the browser's own log
// (where, for example, a Content-Security-Policy violation is reported).
func (p *Page) Scripts() []Message {
	var out []Message
	for _, m := range p.Console() {
		if m.Source == "" {
			out = append(out, m)
		}
	}
	return out
}

// Dialogs returns the dialogs (alert, confirm, prompt, beforeunload) the
// page opened, as "type: message"; each was dismissed at once.
func (p *Page) Dialogs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.dialogs)
}

// Screenshot saves the viewport as a PNG file.
func (p *Page) Screenshot(path string) error {
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Errorf("browsertest: screenshot: %w", err)
	}
	return os.WriteFile(path, png, 0o644)
}
