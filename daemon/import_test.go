package daemon

import (
	"testing"
	"time"
)

func TestWritten(t *testing.T) {
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	date := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	arrived := time.Date(2026, 4, 1, 9, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		name          string
		date, arrived time.Time
		want          time.Time
	}{
		{"the Date header", date, arrived, date},
		{"no Date: the mailbox's time", time.Time{}, arrived, arrived},
		{"a Date from 1970: the mailbox's time", time.Unix(0, 0), arrived, arrived},
		{"a Date next year: the mailbox's time", now.AddDate(1, 0, 0), arrived, arrived},
		{"a Date an hour ahead (clock skew): now", now.Add(time.Hour), time.Time{}, now},
		{"nothing known: now", time.Time{}, time.Time{}, now},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := written(tc.date, tc.arrived, now); !got.Equal(tc.want) {
				t.Errorf("written(%v, %v) = %v, want %v", tc.date, tc.arrived, got, tc.want)
			}
		})
	}
}

func TestBacklogPendingTooLarge(t *testing.T) {
	d := &Daemon{MaxSize: 100}
	raw := []byte("Subject: big\r\n\r\n" + string(make([]byte, 200)))
	p := d.backlogPending(BacklogLetter{Raw: raw}, &origin{}, time.Now())
	if !p.tooLarge || string(p.raw) != "Subject: big\r\n\r\n" || p.size != int64(len(raw)) {
		t.Errorf("letter over MaxSize: tooLarge %v, raw %q, size %d; want only its header", p.tooLarge, p.raw, p.size)
	}
	p = d.backlogPending(BacklogLetter{Raw: raw[:50], Size: 5000}, &origin{}, time.Now())
	if !p.tooLarge || p.size != 5000 {
		t.Errorf("letter cut by the reader: tooLarge %v, size %d; want too large, 5000", p.tooLarge, p.size)
	}
}
