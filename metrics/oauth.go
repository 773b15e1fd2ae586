package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// OAuth counts the refreshes of OAuth2 access tokens, by account
// ("imap:<mailbox>", "smtp"): it is an oauth.Observer. Make it with
// Metrics.OAuth.
type OAuth struct {
	failures *prometheus.CounterVec
	healthy  *prometheus.GaugeVec
}

// OAuth registers the OAuth2 metrics for accounts, each reported from the
// start: ticketd_oauth_refresh_failures_total at 0, and
// ticketd_oauth_healthy at 1 until a refresh fails. Call it once.
func (m *Metrics) OAuth(accounts []string) *OAuth {
	o := &OAuth{
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketd_oauth_refresh_failures_total",
			Help: "Refreshes of an OAuth2 access token that failed (the server refused the refresh token, or could not be reached).",
		}, []string{"account"}),
		healthy: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ticketd_oauth_healthy",
			Help: "1 while the last refresh of the account's OAuth2 token succeeded, 0 after one failed.",
		}, []string{"account"}),
	}
	for _, a := range accounts {
		o.failures.WithLabelValues(a)
		o.healthy.WithLabelValues(a).Set(1)
	}
	m.reg.MustRegister(o.failures, o.healthy)
	return o
}

// Refreshed records a refresh that succeeded.
func (o *OAuth) Refreshed(account string) { o.healthy.WithLabelValues(account).Set(1) }

// Failed records a refresh that failed.
func (o *OAuth) Failed(_ context.Context, account, _ string, _ bool) {
	o.failures.WithLabelValues(account).Inc()
	o.healthy.WithLabelValues(account).Set(0)
}
