package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ticketd/ticketd/internal/backoff"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// DefaultRetentionInterval is how often Retention purges: daily.
const DefaultRetentionInterval = 24 * time.Hour

// retentionRetry is how soon a purge that failed is tried again.
const retentionRetry = time.Hour

// Purger is what the daily purge needs of the store; *store.DB is one.
type Purger interface {
	Purge(ctx context.Context, opts store.PurgeOptions) (store.PurgeReport, error)
	// SweepSpools removes the pieces of large letters, and the files
	// stored for them, that a process stopped before filing, left since
	// before olderThan.
	SweepSpools(ctx context.Context, olderThan time.Time) (int, error)
}

// spoolMaxAge is how old a spooled letter not filed must be before the
// daily pass removes it: far longer than fetching and filing one takes,
// so a letter being read by another process is never swept.
const spoolMaxAge = 6 * time.Hour

// Retention removes the correspondence of tickets closed longer ago than
// the retention policy keeps it (store.DB.Purge): at start, then every
// Interval, one ticket per transaction, while the mailbox loop files
// letters. It logs how many tickets, letters, files and bytes went, never
// what they were.
type Retention struct {
	Store    Purger
	Policy   store.RetentionPolicy // nil: nothing is purged, and Run returns at once
	Interval time.Duration         // default DefaultRetentionInterval
	Log      *slog.Logger
}

// Run purges until ctx ends. A purge that fails is logged and tried
// again within the hour. Without a Policy nothing is purged, but the
// pieces of letters a stopped process left are still swept.
func (r *Retention) Run(ctx context.Context) error {
	every := orDefault(r.Interval, DefaultRetentionInterval)
	repeat(ctx, r.Log, "retention purge failed; trying again later", every, min(every, retentionRetry), r.Once)
	return nil
}

// repeat calls once now and then every interval until ctx ends. A call
// that fails is logged with failed, and the next comes after retry.
func repeat(ctx context.Context, log *slog.Logger, failed string, every, retry time.Duration, once func(context.Context) error) {
	for {
		wait := every
		if err := once(ctx); err != nil && ctx.Err() == nil {
			wait = retry
			log.Error(failed, redact.Err(err), "retry_in", wait)
		}
		if !backoff.Sleep(ctx, wait) {
			return
		}
	}
}

// Once purges what is due now, and logs the counts.
func (r *Retention) Once(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("retention purge: panic: %v", p)
		}
	}()
	start := time.Now()
	swept, err := r.Store.SweepSpools(ctx, start.Add(-spoolMaxAge))
	if err != nil {
		return fmt.Errorf("sweep spooled letters: %w", err)
	}
	if swept > 0 {
		r.Log.Info("removed letters a stopped process left half-read", "spools", swept)
	}
	if r.Policy == nil {
		return nil
	}
	rep, err := r.Store.Purge(ctx, store.PurgeOptions{Policy: r.Policy, Actor: "daemon"})
	if err != nil {
		return fmt.Errorf("after %d tickets: %w", len(rep.Tickets), err)
	}
	r.Log.Info("retention purge", "tickets", len(rep.Tickets), "letters", rep.Letters, "files", rep.Files,
		"bytes", rep.Bytes, "waiting_for_outbox", rep.Waiting, "took", time.Since(start).Round(time.Millisecond))
	if !rep.Checkpointed {
		r.Log.Warn("retention purge: the write-ahead log was held by readers; removed pages in it are overwritten as it is reused")
	}
	return nil
}
