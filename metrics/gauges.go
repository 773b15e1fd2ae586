package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketd/ticketd/store"
)

// Store is what the gauges ask of the store at each scrape. *store.DB is
// one.
type Store interface {
	OutboxStats(ctx context.Context) (store.OutboxStats, error)
	OpenByPriority(ctx context.Context) (store.PriorityCounts, error)
	OverdueByPriority(ctx context.Context, now time.Time) (store.PriorityCounts, error)
}

// Reads says when each mailbox, by its key, was last read successfully.
type Reads interface {
	MailboxesRead(ctx context.Context) (map[string]time.Time, error)
}

var (
	outboxDepthDesc = prometheus.NewDesc("ticketd_outbox_depth",
		"Letters waiting in the outbox: neither sent nor given up.", nil, nil)
	outboxOldestDesc = prometheus.NewDesc("ticketd_outbox_oldest_seconds",
		"Seconds the oldest letter waiting in the outbox has waited; 0 when none waits.", nil, nil)
	openDesc = prometheus.NewDesc("ticketd_tickets_open",
		"Tickets in every status but closed.", []string{"priority"}, nil)
	overdueDesc = prometheus.NewDesc("ticketd_tickets_overdue",
		"Tickets waiting for our answer whose deadline has passed.", []string{"priority"}, nil)
	readAgeDesc = prometheus.NewDesc("ticketd_mailbox_read_age_seconds",
		"Seconds since the mailbox was last read successfully.", []string{"mailbox"}, nil)
)

// gauges is the collector of one scrape: it asks the store under ctx.
type gauges struct {
	m   *Metrics
	ctx context.Context
}

func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{outboxDepthDesc, outboxOldestDesc, openDesc, overdueDesc, readAgeDesc} {
		ch <- d
	}
}

func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	now := g.m.opts.Now()
	if db := g.m.opts.Store; db != nil {
		g.outbox(ch, db, now)
		open, err := db.OpenByPriority(g.ctx)
		g.byPriority(ch, openDesc, open, err)
		overdue, err := db.OverdueByPriority(g.ctx, now)
		g.byPriority(ch, overdueDesc, overdue, err)
	}
	if r := g.m.opts.Reads; r != nil {
		reads, err := r.MailboxesRead(g.ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(readAgeDesc, err)
			return
		}
		for mailbox, at := range reads {
			ch <- prometheus.MustNewConstMetric(readAgeDesc, prometheus.GaugeValue, max(now.Sub(at), 0).Seconds(), mailbox)
		}
	}
}

func (g *gauges) outbox(ch chan<- prometheus.Metric, db Store, now time.Time) {
	s, err := db.OutboxStats(g.ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxDepthDesc, err)
		return
	}
	age := 0.0
	if !s.Oldest.IsZero() {
		age = max(now.Sub(s.Oldest), 0).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(s.Depth))
	ch <- prometheus.MustNewConstMetric(outboxOldestDesc, prometheus.GaugeValue, age)
}

func (g *gauges) byPriority(ch chan<- prometheus.Metric, desc *prometheus.Desc, counts store.PriorityCounts, err error) {
	if err != nil {
		ch <- prometheus.NewInvalidMetric(desc, err)
		return
	}
	for p, n := range counts {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(n), string(p))
	}
}
