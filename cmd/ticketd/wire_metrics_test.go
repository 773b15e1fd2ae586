package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/metrics"
)

func TestMetricsListener(t *testing.T) {
	reads := readAt{"INBOX": time.Now()}
	m := metrics.New(metrics.Options{Reads: reads, Mailboxes: []string{"INBOX"}})
	m.Filed("INBOX")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serveMetricsOn(ctx, ln, m.Handler(), "0123456789abcdef", slog.New(slog.DiscardHandler))
	}()
	get := func(auth string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(""); code != http.StatusForbidden {
		t.Errorf("GET /metrics without the token = %d, want 403", code)
	}
	code, body := get("Bearer 0123456789abcdef")
	if code != http.StatusOK || !strings.Contains(body, `ticketd_letters_filed_total{mailbox="INBOX"} 1`) ||
		!strings.Contains(body, `ticketd_mailbox_read_age_seconds{mailbox="INBOX"}`) {
		t.Errorf("GET /metrics with the token = %d:\n%s\nwant the counters and the read age", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serveMetricsOn after cancel = %v", err)
	}
}

// readAt is when each mailbox was last read, as the store says it.
type readAt map[string]time.Time

func (r readAt) MailboxesRead(context.Context) (map[string]time.Time, error) { return r, nil }
