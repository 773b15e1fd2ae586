package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultScrapeTimeout bounds the store's work for one scrape when
// Options.ScrapeTimeout is 0.
const DefaultScrapeTimeout = 5 * time.Second

// Options configure Metrics. Every field may be left zero.
type Options struct {
	// Store is asked for the outbox and ticket gauges at each scrape; nil:
	// those gauges are not reported.
	Store Store
	// Reads is asked when each mailbox was last read; nil: no
	// ticketd_mailbox_read_age_seconds.
	Reads Reads
	// Mailboxes are the keys of the configured mailboxes: their counters
	// are reported from 0 before anything happens.
	Mailboxes []string
	// ScrapeTimeout bounds the store's work for one scrape; 0:
	// DefaultScrapeTimeout. A scrape's own deadline, when shorter, wins.
	ScrapeTimeout time.Duration
	Now           func() time.Time // nil: time.Now
	Log           *slog.Logger     // scrape errors; nil: discard
}

// Metrics is ticketd's registry with its collectors. Its methods that
// count (Fetched, Filed, …) are safe for concurrent use and do not block:
// it is a daemon.Observer and a replies.Observer.
type Metrics struct {
	reg  *prometheus.Registry
	opts Options

	fetched, filed, refused, fetchErrors *prometheus.CounterVec
	queued, sent, failed                 prometheus.Counter
	storeSeconds                         *prometheus.HistogramVec
}

// New returns Metrics with every collector registered.
func New(opts Options) *Metrics {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.ScrapeTimeout <= 0 {
		opts.ScrapeTimeout = DefaultScrapeTimeout
	}
	perMailbox := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"mailbox"})
	}
	m := &Metrics{
		reg:         prometheus.NewRegistry(),
		opts:        opts,
		fetched:     perMailbox("ticketd_letters_fetched_total", "Letters downloaded from the mailbox (whole, or only the header when too large)."),
		filed:       perMailbox("ticketd_letters_filed_total", "Letters committed to the store as tickets or follow-ups."),
		refused:     perMailbox("ticketd_letters_refused_total", "Letters filed but not as read: too large to download, or kept as bare bytes."),
		fetchErrors: perMailbox("ticketd_fetch_errors_total", "Looks at the mailbox that failed."),
		queued:      prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketd_answers_queued_total", Help: "Answers put in the outbox by this process."}),
		sent:        prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketd_answers_sent_total", Help: "Answers the SMTP server accepted."}),
		failed:      prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketd_answers_failed_total", Help: "Answers given up for good."}),
		storeSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ticketd_store_seconds",
			Help:    "Time taken by store operations: exec, query, tx (a write transaction), commit (a batch of letters).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8), // 0.5 ms to 8 s
		}, []string{"op"}),
	}
	for _, mb := range opts.Mailboxes {
		for _, c := range []*prometheus.CounterVec{m.fetched, m.filed, m.refused, m.fetchErrors} {
			c.WithLabelValues(mb)
		}
	}
	m.reg.MustRegister(m.fetched, m.filed, m.refused, m.fetchErrors, m.queued, m.sent, m.failed, m.storeSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, for tests and for more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus's text format. The gauges read
// from the store are gathered under the request's context, bounded by
// ScrapeTimeout; a store that fails leaves them out and the rest is served.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), m.opts.ScrapeTimeout)
		defer cancel()
		promhttp.HandlerFor(m.Gatherer(ctx), promhttp.HandlerOpts{
			ErrorHandling: promhttp.ContinueOnError,
			ErrorLog:      errorLog{m.opts.Log},
		}).ServeHTTP(w, r)
	})
}

// Gatherer returns what a scrape under ctx gathers: the registry, and
// the gauges asked of the store under ctx.
func (m *Metrics) Gatherer(ctx context.Context) prometheus.Gatherer {
	scrape := prometheus.NewRegistry()
	scrape.MustRegister(&gauges{m: m, ctx: ctx})
	return prometheus.Gatherers{m.reg, scrape}
}

// errorLog is the promhttp.Logger writing to slog.
type errorLog struct{ log *slog.Logger }

func (l errorLog) Println(v ...any) {
	l.log.Warn("metrics: scrape", "error", slog.AnyValue(v).String())
}
