package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"
)

// latency measures (c): how soon a citizen has the acknowledgement. The
// ticketd binary runs with IDLE on and a poll interval of 30 s, so a letter
// noticed sooner was noticed through IDLE. Letters are delivered one by one,
// gap apart; arrival is when Dovecot completed the APPEND, acknowledgement
// when Mailpit received the answer (its Created time, in milliseconds).
//
// Each call needs a mailbox of its own (the letters stay in it).
func (l *lab) latency(ctx context.Context, out io.Writer, mailbox string, gen *generator, count int, gap time.Duration) (*Latency, error) {
	if err := l.dovecot.Deliver(mailbox); err != nil { // creates it, empty
		return nil, err
	}
	if err := l.mailpit.DeleteAll(); err != nil {
		return nil, err
	}
	db, remove, err := l.freshDB(ctx)
	if err != nil {
		return nil, err
	}
	defer remove()
	config, err := l.config(mailbox, db, `poll_interval = "30s"
idle = true`, "")
	if err != nil {
		return nil, err
	}
	p, err := l.start(config, "run")
	if err != nil {
		return nil, err
	}
	defer p.stop()

	c, err := l.dovecot.Login(l.dovecot.Username, l.dovecot.Password)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	appendOne := func(i int) (string, time.Time, error) {
		raw, from := gen.small(i)
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			return "", time.Time{}, err
		}
		if err := cmd.Close(); err != nil {
			return "", time.Time{}, err
		}
		if _, err := cmd.Wait(); err != nil {
			return "", time.Time{}, fmt.Errorf("append: %w", err)
		}
		return from, time.Now(), nil
	}

	// A first letter, not counted, shows the daemon is up and in IDLE.
	if _, _, err := appendOne(900000); err != nil {
		return nil, err
	}
	if _, err := l.waitMailpit(ctx, 1, 30*time.Second, p.done); err != nil {
		return nil, fmt.Errorf("first letter: %w\n%s", err, p.tail())
	}
	time.Sleep(gap)

	arrived := map[string]time.Time{}
	start := time.Now()
	for i := range count {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		from, at, err := appendOne(910000 + i)
		if err != nil {
			return nil, err
		}
		arrived[from] = at
		time.Sleep(time.Until(start.Add(time.Duration(i+1) * gap)))
	}
	if _, err := l.waitMailpit(ctx, count+1, time.Minute, p.done); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, p.tail())
	}
	msgs, err := l.mailpit.List()
	if err != nil {
		return nil, err
	}
	var lat []time.Duration
	for _, m := range msgs {
		if len(m.To) != 1 {
			continue
		}
		if at, ok := arrived[m.To[0].Address]; ok {
			lat = append(lat, m.Created.Sub(at))
			delete(arrived, m.To[0].Address)
		}
	}
	if len(arrived) > 0 {
		return nil, fmt.Errorf("%d letters got no acknowledgement", len(arrived))
	}
	slices.Sort(lat)
	res := &Latency{
		Letters: count, GapMS: gap.Milliseconds(), PollInterval: "30s", IMAPIdle: true,
		P50MS: ms(percentile(lat, 50)), P99MS: ms(percentile(lat, 99)), MaxMS: ms(lat[len(lat)-1]), MinMS: ms(lat[0]),
	}
	fmt.Fprintf(out, "(c) arrival to acknowledgement, %d letters %v apart, IDLE on: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
		count, gap, res.P50MS, res.P99MS, res.MaxMS)
	return res, nil
}

// percentile is the nearest-rank percentile p of sorted d.
func percentile(d []time.Duration, p int) time.Duration {
	i := (len(d)*p + 99) / 100
	return d[max(i-1, 0)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
