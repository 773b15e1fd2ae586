package console

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// sse is one event read from a stream.
type sse struct {
	name, id, data string
}

// stream is an open event stream.
type stream struct {
	resp   *http.Response
	events chan sse // closed when the stream ends
	cancel context.CancelFunc
}

// openStream opens url as c's event stream, resuming after lastID when it
// is not "".
func openStream(t *testing.T, url string, c *http.Cookie, lastID string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Accept", "text/event-stream")
	if c != nil {
		req.AddCookie(c)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &stream{resp: resp, events: make(chan sse, 100), cancel: cancel}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var e sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.name != "" {
					s.events <- e
				}
				e = sse{}
			case strings.HasPrefix(line, "event: "):
				e.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				e.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				e.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return s
}

// await returns the first event of s that ok accepts, failing the test
// after a generous wait (a deadline, not a measurement).
func (s *stream) await(t *testing.T, what string, ok func(sse) bool) sse {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, open := <-s.events:
			if !open {
				t.Fatalf("the stream ended before %s", what)
			}
			if ok(e) {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s", what)
		}
	}
}

// ended waits for s to end.
func (s *stream) ended(t *testing.T, what string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case _, open := <-s.events:
			if !open {
				return
			}
		case <-timeout:
			t.Fatalf("the stream did not end %s", what)
		}
	}
}

// liveFixture is a fixture served over HTTP with a fast poller.
func liveFixture(t *testing.T) (*fixture, *httptest.Server) {
	f := newFixture(t)
	f.server.feed.every = 10 * time.Millisecond
	f.server.recheck = 20 * time.Millisecond
	srv := httptest.NewServer(f.server.Handler())
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fixture) latestVersion() string {
	v, err := f.db.LatestVersion(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return strconv.FormatInt(v, 10)
}

func ticketEvent(number string) func(sse) bool {
	return func(e sse) bool {
		var c change
		return e.name == "ticket" && json.Unmarshal([]byte(e.data), &c) == nil && c.Number == number &&
			e.id == strconv.FormatInt(c.Version, 10)
	}
}

func TestEventsTellChangedTickets(t *testing.T) {
	f, srv := liveFixture(t)
	c := f.signIn("anna")
	s := openStream(t, srv.URL+"/events", c, "") // once the headers are in, every change reaches the stream
	if ct := s.resp.Header.Get("Content-Type"); s.resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("GET /events = %s, %s", s.resp.Status, ct)
	}
	if s.resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("the stream lacks the security headers")
	}
	n := f.addTickets(ticket{subject: "Новое"})[0]
	s.await(t, "event for the new ticket", ticketEvent(n))
	if err := f.db.SetStatus(context.Background(), n, 0, store.StatusInProgress, "operator:anna"); err != nil {
		t.Fatal(err)
	}
	s.await(t, "event for the status change", ticketEvent(n))
}

func TestEventsCatchUp(t *testing.T) {
	f, srv := liveFixture(t)
	c := f.signIn("anna")
	from := f.latestVersion()
	n := f.addTickets(ticket{subject: "Пока вкладка спала"})[0]
	s := openStream(t, srv.URL+"/events", c, from)
	s.await(t, "the missed change (Last-Event-ID)", ticketEvent(n))
	s = openStream(t, srv.URL+"/events?after="+from, c, "")
	s.await(t, "the missed change (after=)", ticketEvent(n))
}

func TestQueueNamesItsStreamStart(t *testing.T) {
	f := newFixture(t)
	f.addTickets(ticket{subject: "Раз"})
	_, body := f.do(request{path: "/", cookies: []*http.Cookie{f.signIn("anna")}})
	if want := `data-since="` + f.latestVersion() + `"`; !strings.Contains(body, want) {
		t.Errorf("the queue lacks %s", want)
	}
}

func TestEventsPresence(t *testing.T) {
	f, srv := liveFixture(t)
	n := f.addTickets(ticket{subject: "Смотрят двое"})[0]
	anna := openStream(t, srv.URL+"/events?ticket="+n, f.signIn("anna"), "")
	viewers := func(want ...string) func(sse) bool {
		return func(e sse) bool {
			var p presence
			return e.name == "presence" && json.Unmarshal([]byte(e.data), &p) == nil && p.Number == n && slices.Equal(p.Viewers, want)
		}
	}
	anna.await(t, "presence of anna", viewers("anna"))
	ivan := openStream(t, srv.URL+"/events?ticket="+n, f.signIn("ivan"), "")
	anna.await(t, "presence of anna and ivan", viewers("anna", "ivan"))
	ivan.await(t, "presence of anna and ivan", viewers("anna", "ivan"))
	if got := f.server.viewers(n); !slices.Equal(got, []string{"anna", "ivan"}) {
		t.Errorf("viewers(%s) = %v", n, got)
	}
	ivan.cancel()
	anna.await(t, "presence of anna alone", viewers("anna"))
}

func TestEventsNeedSession(t *testing.T) {
	f, srv := liveFixture(t)
	s := openStream(t, srv.URL+"/events", nil, "")
	if s.resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /events without a session = %s, want 401", s.resp.Status)
	}
	c := f.signIn("anna")
	s = openStream(t, srv.URL+"/events", c, "")
	if s.resp.StatusCode != 200 {
		t.Fatalf("GET /events = %s", s.resp.Status)
	}
	if err := f.accounts.Disable(context.Background(), "anna", "test"); err != nil {
		t.Fatal(err)
	}
	s.ended(t, "when its user was disabled")
}

func TestEventsEndOnShutdown(t *testing.T) {
	f, srv := liveFixture(t)
	s := openStream(t, srv.URL+"/events", f.signIn("anna"), "")
	f.server.Close()
	s.ended(t, "on Close")
}

func TestEventStreamsBounded(t *testing.T) {
	f := newFixture(t)
	var subs []*subscriber
	for range maxUserSubscribers {
		s, err := f.server.feed.subscribe(context.Background(), "anna", "")
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	if _, err := f.server.feed.subscribe(context.Background(), "anna", ""); !errors.Is(err, errTooManyStreams) {
		t.Errorf("stream %d of one user: %v, want errTooManyStreams", maxUserSubscribers+1, err)
	}
	if s, err := f.server.feed.subscribe(context.Background(), "ivan", ""); err != nil {
		t.Errorf("another user's stream: %v", err)
	} else {
		f.server.feed.unsubscribe(s)
	}
	for _, s := range subs {
		f.server.feed.unsubscribe(s)
	}
}

func TestSlowStreamResyncs(t *testing.T) {
	s := &subscriber{events: make(chan event, 2)}
	for i := range 3 {
		s.send(event{name: "ticket", id: int64(i)})
	}
	if !s.lost.Load() {
		t.Error("a full stream did not mark itself lost")
	}
}

func TestRun(t *testing.T) {
	f := newFixture(t)
	f.server.feed.every = 10 * time.Millisecond
	l, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.server.Run(ctx, addr, "", "") }()
	base := "http://" + addr
	var resp *http.Response
	for range 100 {
		if resp, err = http.Get(base + "/healthz"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /healthz = %s", resp.Status)
	}
	s := openStream(t, base+"/events", f.signIn("anna"), "")
	cancel()
	s.ended(t, "when Run's context ended")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if err := f.server.Run(context.Background(), addr, "cert.pem", ""); err == nil {
		t.Error("Run with a certificate and no key: no error")
	}
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
