package metrics

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestOAuthMetrics(t *testing.T) {
	m := New(Options{})
	o := m.OAuth([]string{"imap:general", "smtp"})
	ctx := context.Background()
	o.Failed(ctx, "smtp", "invalid_grant", true)
	o.Failed(ctx, "smtp", "invalid_grant", false)
	o.Refreshed("imap:general")
	for _, tt := range []struct {
		name      string
		got, want float64
	}{
		{"failures smtp", testutil.ToFloat64(o.failures.WithLabelValues("smtp")), 2},
		{"failures general", testutil.ToFloat64(o.failures.WithLabelValues("imap:general")), 0},
		{"healthy smtp", testutil.ToFloat64(o.healthy.WithLabelValues("smtp")), 0},
		{"healthy general", testutil.ToFloat64(o.healthy.WithLabelValues("imap:general")), 1},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	o.Refreshed("smtp")
	if got := testutil.ToFloat64(o.healthy.WithLabelValues("smtp")); got != 1 {
		t.Errorf("healthy smtp after a refresh = %v, want 1", got)
	}
	n, err := testutil.GatherAndCount(m.Registry(), "ticketd_oauth_refresh_failures_total", "ticketd_oauth_healthy")
	if err != nil || n != 4 {
		t.Errorf("gathered %d oauth series, %v; want 4", n, err)
	}
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(`
# HELP ticketd_oauth_refresh_failures_total Refreshes of an OAuth2 access token that failed (the server refused the refresh token, or could not be reached).
# TYPE ticketd_oauth_refresh_failures_total counter
ticketd_oauth_refresh_failures_total{account="imap:general"} 0
ticketd_oauth_refresh_failures_total{account="smtp"} 2
`), "ticketd_oauth_refresh_failures_total"); err != nil {
		t.Error(err)
	}
}
