package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// BackendResult is (b) and (c) over one store backend: the same small
// letters, Dovecot and Mailpit as the other backends of the run.
type BackendResult struct {
	Backend    string     `json:"backend"` // "sqlite" or "postgres"
	Letters    int        `json:"letters"`
	IngestOnly Ingest     `json:"ingest_only"`
	EndToEnd   []EndToEnd `json:"end_to_end"` // the binary, "ticketd run"
	Latency    *Latency   `json:"latency,omitempty"`
}

// parseBackends reads -backends: a comma-separated list of sqlite and
// postgres.
func parseBackends(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		switch b := strings.TrimSpace(f); b {
		case "sqlite", "postgres":
			out = append(out, b)
		default:
			return nil, fmt.Errorf("-backends: %q is neither sqlite nor postgres", f)
		}
	}
	return out, nil
}

// sqliteResult is the SQLite section, from the figures the run already
// took on SQLite (small, latency).
func sqliteResult(small *SetResult, lat *Latency) BackendResult {
	r := BackendResult{Backend: "sqlite", Letters: small.Letters, IngestOnly: small.IngestOnly, Latency: lat}
	for _, e := range small.EndToEnd {
		if e.How == "binary" {
			r.EndToEnd = append(r.EndToEnd, e)
		}
	}
	return r
}

// measureBackend measures, with the lab's store switched to backend, the
// ingest-only rate and the binary's end-to-end time over the small letters
// of mailbox (n of them, over one and over conns SMTP connections), and
// (c) the latency in a mailbox of its own when count > 0. small holds
// SQLite's figures of the same letters, for the floor.
func (l *lab) measureBackend(ctx context.Context, out io.Writer, backend, mailbox string, small *SetResult, conns int,
	gen *generator, count int, gap time.Duration) (BackendResult, error) {
	prev := l.backend
	l.backend = backend
	defer func() { l.backend = prev }()
	n := small.Letters
	res := BackendResult{Backend: backend, Letters: n}
	fmt.Fprintf(out, "%s: %d small letters\n", backend, n)
	ingest, err := l.ingestOnly(ctx, mailbox, n, "")
	if err != nil {
		return res, fmt.Errorf("%s: %w", backend, err)
	}
	down := time.Duration(small.Floor.DownloadS * float64(time.Second))
	res.IngestOnly = Ingest{Seconds: ingest.Seconds(), LettersPerS: rate(n, ingest), DownloadLettersPerS: rate(n, down),
		VsDownload: down.Seconds() / ingest.Seconds()}
	fmt.Fprintf(out, "  (b) ingest only, acknowledgements queued:        %8.3f s  (%.0f letters/s)\n", ingest.Seconds(), res.IngestOnly.LettersPerS)
	for _, c := range distinct(1, conns) {
		e, err := l.endToEndBinary(ctx, mailbox, n, c)
		if err != nil {
			return res, fmt.Errorf("%s: end to end, %d SMTP connections: %w", backend, c, err)
		}
		e.FloorOverE2E = small.Floor.TotalS / e.Seconds
		res.EndToEnd = append(res.EndToEnd, e)
		fmt.Fprintf(out, "  (b) end to end, binary, %d SMTP connection(s): %8.3f s  (last ticket stored at %.3f s; CPU %.2f s, PostgreSQL's %.2f s)\n",
			c, e.Seconds, e.IngestDoneS, e.CPUS, e.PostgresCPUS)
	}
	if count > 0 {
		if res.Latency, err = l.latency(ctx, out, "Latency-"+backend, gen, count, gap); err != nil {
			return res, fmt.Errorf("%s: latency: %w", backend, err)
		}
	}
	return res, nil
}

// printBackends prints the backends' figures side by side.
func printBackends(w io.Writer, rs []BackendResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(w, "backends side by side, %d small letters:\n  %-44s", rs[0].Letters, "")
	for _, r := range rs {
		fmt.Fprintf(w, " %12s", r.Backend)
	}
	fmt.Fprintln(w)
	row := func(name string, v func(BackendResult) (float64, bool), format string) {
		fmt.Fprintf(w, "  %-44s", name)
		for _, r := range rs {
			if x, ok := v(r); ok {
				fmt.Fprintf(w, " %12s", fmt.Sprintf(format, x))
			} else {
				fmt.Fprintf(w, " %12s", "-")
			}
		}
		fmt.Fprintln(w)
	}
	row("(b) ingest only, letters/s", func(r BackendResult) (float64, bool) { return r.IngestOnly.LettersPerS, true }, "%.0f")
	for i := range rs[0].EndToEnd {
		c := rs[0].EndToEnd[i].SMTPConnections
		row(fmt.Sprintf("(b) ticketd run, %d SMTP connection(s), s", c), func(r BackendResult) (float64, bool) {
			for _, e := range r.EndToEnd {
				if e.SMTPConnections == c {
					return e.Seconds, true
				}
			}
			return 0, false
		}, "%.2f")
		cpu := func(name string, f func(EndToEnd) float64) {
			row(name, func(r BackendResult) (float64, bool) {
				for _, e := range r.EndToEnd {
					if e.SMTPConnections == c {
						return f(e), true
					}
				}
				return 0, false
			}, "%.2f")
		}
		cpu("    CPU of ticketd, s", func(e EndToEnd) float64 { return e.CPUS })
		cpu("    CPU of the PostgreSQL server, s", func(e EndToEnd) float64 { return e.PostgresCPUS })
	}
	lat := func(f func(*Latency) float64) func(BackendResult) (float64, bool) {
		return func(r BackendResult) (float64, bool) {
			if r.Latency == nil {
				return 0, false
			}
			return f(r.Latency), true
		}
	}
	row("(c) arrival to acknowledgement p50, ms", lat(func(l *Latency) float64 { return l.P50MS }), "%.0f")
	row("(c) arrival to acknowledgement p99, ms", lat(func(l *Latency) float64 { return l.P99MS }), "%.0f")
}
