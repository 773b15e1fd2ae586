package applications

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fast are options that keep the tests quick: short timeouts and waits.
func fast(retries int) *HTTPOptions {
	return &HTTPOptions{Timeout: 500 * time.Millisecond, Retries: retries, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}
}

// register serves handle, counting the requests, and returns an HTTP
// register asking it with opts.
func register(t *testing.T, opts *HTTPOptions, handle func(w http.ResponseWriter, r *http.Request, n int)) (*HTTP, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handle(w, r, int(calls.Add(1)))
	}))
	t.Cleanup(srv.Close)
	h, err := NewHTTP(srv.URL+"/api/applications/{number}", opts)
	if err != nil {
		t.Fatal(err)
	}
	return h, &calls
}

const secretNumber = "2026-004512"

func TestHTTPLookup(t *testing.T) {
	huge := `{"status": "approved", "email": "a@example.ru", "pad": "` + strings.Repeat("x", DefaultMaxBody) + `"}`
	for _, tc := range []struct {
		name    string
		handle  func(w http.ResponseWriter, r *http.Request, n int)
		want    Application
		wantErr string // "" for none; ErrUnknown's text for ErrUnknown
		calls   int    // requests the lookup makes
	}{
		{
			name: "approved",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				fmt.Fprint(w, `{"status": "approved", "email": "M.Sidorova@example.ru", "decided": "2026-11-20"}`)
			},
			want:  Application{Number: secretNumber, Status: StatusApproved, Email: "M.Sidorova@example.ru"},
			calls: 1,
		},
		{
			name:    "404 is an unknown number, asked once",
			handle:  func(w http.ResponseWriter, r *http.Request, n int) { http.NotFound(w, r) },
			wantErr: ErrUnknown.Error(),
			calls:   1,
		},
		{
			name: "5xx then success",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if n < 3 {
					http.Error(w, "overloaded", http.StatusServiceUnavailable)
					return
				}
				fmt.Fprint(w, `{"status": "in_progress", "email": "a@example.ru"}`)
			},
			want:  Application{Number: secretNumber, Status: StatusInProgress, Email: "a@example.ru"},
			calls: 3,
		},
		{
			name: "429 then success",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				fmt.Fprint(w, `{"status": "rejected", "email": "a@example.ru"}`)
			},
			want:  Application{Number: secretNumber, Status: StatusRejected, Email: "a@example.ru"},
			calls: 2,
		},
		{
			name: "5xx every time",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				http.Error(w, secretNumber, http.StatusInternalServerError)
			},
			wantErr: "/api/applications/{number}: 3 attempts, the last: HTTP 500 Internal Server Error",
			calls:   3,
		},
		{
			name: "timeout every time",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
			wantErr: "3 attempts, the last: no answer within 500ms",
			calls:   3,
		},
		{
			name: "timeout then success",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					<-r.Context().Done()
					return
				}
				fmt.Fprint(w, `{"status": "approved", "email": "a@example.ru"}`)
			},
			want:  Application{Number: secretNumber, Status: StatusApproved, Email: "a@example.ru"},
			calls: 2,
		},
		{
			name: "bad JSON is not tried again",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				fmt.Fprint(w, `{"status": "approved", "email": a@example.ru}`)
			},
			wantErr: "answer is not JSON: at byte",
			calls:   1,
		},
		{
			name:    "HTML error page",
			handle:  func(w http.ResponseWriter, r *http.Request, n int) { fmt.Fprint(w, `<html>Service down</html>`) },
			wantErr: "answer is not JSON",
			calls:   1,
		},
		{
			name:    "an array",
			handle:  func(w http.ResponseWriter, r *http.Request, n int) { fmt.Fprint(w, `[]`) },
			wantErr: "answer is not an object of strings status and email: the answer is a JSON array",
			calls:   1,
		},
		{
			name: "status a number",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				fmt.Fprint(w, `{"status": 2, "email": "a@example.ru"}`)
			},
			wantErr: "status is a JSON number",
			calls:   1,
		},
		{
			name: "wrong status",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				fmt.Fprint(w, `{"status": "Approved", "email": "a@example.ru"}`)
			},
			wantErr: `answer has status "Approved", want in_progress, approved or rejected`,
			calls:   1,
		},
		{
			name:    "no status",
			handle:  func(w http.ResponseWriter, r *http.Request, n int) { fmt.Fprint(w, `{"email": "a@example.ru"}`) },
			wantErr: "answer has no status",
			calls:   1,
		},
		{
			name: "no email",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				fmt.Fprint(w, `{"status": "approved", "email": " "}`)
			},
			wantErr: "answer has no email",
			calls:   1,
		},
		{
			name:    "null",
			handle:  func(w http.ResponseWriter, r *http.Request, n int) { fmt.Fprint(w, `null`) },
			wantErr: "answer has no status",
			calls:   1,
		},
		{
			name:    "huge body",
			handle:  func(w http.ResponseWriter, r *http.Request, n int) { fmt.Fprint(w, huge) },
			wantErr: fmt.Sprintf("answer longer than %d bytes", DefaultMaxBody),
			calls:   1,
		},
		{
			name:    "403 is not tried again",
			handle:  func(w http.ResponseWriter, r *http.Request, n int) { http.Error(w, "no", http.StatusForbidden) },
			wantErr: "HTTP 403 Forbidden",
			calls:   1,
		},
		{
			name: "connection cut, then success",
			handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.Close()
					}
					return
				}
				fmt.Fprint(w, `{"status": "approved", "email": "a@example.ru"}`)
			},
			want:  Application{Number: secretNumber, Status: StatusApproved, Email: "a@example.ru"},
			calls: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, calls := register(t, fast(2), tc.handle)
			got, err := h.Lookup(context.Background(), secretNumber)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Lookup() error = %v, want none", err)
			case tc.wantErr == ErrUnknown.Error() && !errors.Is(err, ErrUnknown):
				t.Fatalf("Lookup() error = %v, want ErrUnknown", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Lookup() error = %v, want one with %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), secretNumber) {
				t.Errorf("Lookup() error %q names the application number", err)
			}
			if got != tc.want {
				t.Errorf("Lookup() = %+v, want %+v", got, tc.want)
			}
			if n := int(calls.Load()); n != tc.calls {
				t.Errorf("Lookup() made %d requests, want %d", n, tc.calls)
			}
		})
	}
}

// TestHTTPEscapesTheNumber: the number goes into the path as one escaped
// segment, or escaped as a query value when {number} is in the query.
func TestHTTPEscapesTheNumber(t *testing.T) {
	var seen atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.URL.RequestURI())
		fmt.Fprint(w, `{"status": "approved", "email": "a@example.ru"}`)
	}))
	defer srv.Close()
	for _, tc := range []struct{ url, number, want string }{
		{"/apps/{number}", "2026-004512", "/apps/2026-004512"},
		{"/apps/{number}", "2026/../../admin", "/apps/2026%2F..%2F..%2Fadmin"},
		{"/apps/{number}/status", "a?b#c", "/apps/a%3Fb%23c/status"},
		{"/apps?key=k&n={number}", "1&admin=1", "/apps?key=k&n=1%26admin%3D1"},
		{"/apps/{number}?n={number}", "1 2", ""}, // refused: white space
	} {
		h, err := NewHTTP(srv.URL+tc.url, fast(0))
		if err != nil {
			t.Fatal(err)
		}
		seen.Store("")
		_, err = h.Lookup(context.Background(), tc.number)
		if tc.want == "" {
			if !errors.Is(err, ErrBadNumber) {
				t.Errorf("Lookup(%q) error = %v, want ErrBadNumber", tc.number, err)
			}
			continue
		}
		if err != nil || seen.Load() != tc.want {
			t.Errorf("Lookup(%q) on %s asked %q (%v), want %q", tc.number, tc.url, seen.Load(), err, tc.want)
		}
	}
}

func TestHTTPBadNumbers(t *testing.T) {
	h, calls := register(t, fast(0), func(w http.ResponseWriter, r *http.Request, n int) {})
	for _, n := range []string{"", ".", "..", "12\n34", "12\x00", strings.Repeat("1", MaxNumberLen+1), "\xff"} {
		if _, err := h.Lookup(context.Background(), n); !errors.Is(err, ErrBadNumber) {
			t.Errorf("Lookup(%q) error = %v, want ErrBadNumber", n, err)
		}
	}
	if calls.Load() != 0 {
		t.Errorf("bad numbers made %d requests, want none", calls.Load())
	}
}

// TestHTTPErrorsHideSecrets: the credentials and the query of the URL,
// which may hold a key, never reach an error.
func TestHTTPErrorsHideSecrets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every attempt is refused
	h, err := NewHTTP("http://user:hunter2@"+addr+"/apps/{number}?token=s3cret", fast(1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Lookup(context.Background(), secretNumber)
	if err == nil {
		t.Fatal("Lookup() against nothing succeeded")
	}
	for _, secret := range []string{"hunter2", "s3cret", secretNumber, "user:"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Lookup() error %q holds %q", err, secret)
		}
	}
	want := "applications: GET http://" + addr + "/apps/{number}: 2 attempts, the last: "
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Lookup() error = %q, want it to start %q and say the connection was refused", err, want)
	}
}

// TestHTTPStopsWithTheContext: a lookup ends when its context does, even
// between attempts.
func TestHTTPStopsWithTheContext(t *testing.T) {
	opts := fast(5)
	opts.MinWait, opts.MaxWait = time.Minute, time.Minute
	h, calls := register(t, opts, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(http.StatusBadGateway) })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.Lookup(ctx, secretNumber)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Errorf("Lookup() = %v after %v, want context.DeadlineExceeded at once", err, time.Since(start))
	}
	if calls.Load() != 1 {
		t.Errorf("Lookup() made %d requests, want 1", calls.Load())
	}
}

func TestNewHTTP(t *testing.T) {
	for _, tc := range []struct{ url, wantErr string }{
		{"https://register.example.org/api/applications/{number}", ""},
		{"http://127.0.0.1:8081/status?number={number}", ""},
		{"https://register.example.org/api/applications/", "no {number}"},
		{"ftp://register.example.org/{number}", "want http:// or https://"},
		{"https:///{number}", "want http:// or https:// and a host"},
		{"https://register.example.org/{number}#frag", "fragment"},
		{"https://register.example.org/%zz/{number}", "URL:"},
	} {
		_, err := NewHTTP(tc.url, nil)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("NewHTTP(%q) error = %v, want %q", tc.url, err, tc.wantErr)
		}
	}
	if _, err := NewHTTP("https://r.example.org/{number}", &HTTPOptions{Retries: -1}); err == nil {
		t.Error("NewHTTP with -1 retries succeeded")
	}
}

func TestRegisteredTo(t *testing.T) {
	for _, tc := range []struct {
		registered, addr string
		want             bool
	}{
		{"m.sidorova@example.ru", "m.sidorova@example.ru", true},
		{"M.Sidorova@Example.RU", "m.sidorova@example.ru", true},
		{" m.sidorova@example.ru ", "<m.sidorova@example.ru>", true},
		{"Мария <m.sidorova@example.ru>", "m.sidorova@example.ru", true},
		{"m.sidorova@example.ru", "m.sidorova+status@example.ru", false},
		{"m.sidorova@example.ru", "msidorova@example.ru", false},
		{"m.sidorova@example.ru", "m.sidorova@example.ru.evil.org", false},
		{"m.sidorova@example.ru", "", false},
		{"", "", false},
	} {
		if got := (Application{Email: tc.registered}).RegisteredTo(tc.addr); got != tc.want {
			t.Errorf("Application{Email: %q}.RegisteredTo(%q) = %v, want %v", tc.registered, tc.addr, got, tc.want)
		}
	}
}
