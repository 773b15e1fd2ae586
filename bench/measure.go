package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"
)

// measureSet measures, on the letters of mailbox, (a) the floor and (b)
// ticketd: its ingest-only rate, and its end-to-end time as the binary and
// wired in-process, over one and over conns SMTP connections.
func (l *lab) measureSet(ctx context.Context, out io.Writer, name, mailbox string, senders []string, conns int, profile string) (*SetResult, error) {
	floor, n, size, err := l.floor(ctx, out, name, mailbox, senders, conns)
	if err != nil {
		return nil, err
	}
	res := &SetResult{Letters: n, MB: float64(size) / (1 << 20), Floor: floor}
	down := time.Duration(floor.DownloadS * float64(time.Second))

	ingest, err := l.ingestOnly(ctx, mailbox, n, profile)
	if err != nil {
		return nil, err
	}
	res.IngestOnly = Ingest{
		Seconds: ingest.Seconds(), LettersPerS: rate(n, ingest), DownloadLettersPerS: rate(n, down),
		VsDownload: down.Seconds() / ingest.Seconds(),
	}
	fmt.Fprintf(out, "  (b) ingest only, acknowledgements queued:        %8.3f s  (%.0f letters/s, %.3f × the download rate)\n",
		ingest.Seconds(), res.IngestOnly.LettersPerS, res.IngestOnly.VsDownload)

	for _, c := range distinct(1, conns) {
		for _, how := range []string{"binary", "in-process"} {
			var e EndToEnd
			var err error
			if how == "binary" {
				e, err = l.endToEndBinary(ctx, mailbox, n, c)
			} else {
				e, err = l.endToEndInProcess(ctx, mailbox, n, c, profileOf(profile, c, conns))
			}
			if err != nil {
				return nil, fmt.Errorf("end to end, %s, %d SMTP connections: %w", how, c, err)
			}
			e.FloorOverE2E = floor.TotalS / e.Seconds
			res.EndToEnd = append(res.EndToEnd, e)
			rss := ""
			if e.PeakRSSMB > 0 {
				rss = fmt.Sprintf(", peak RSS %.0f MB, CPU %.2f s, Mailpit's CPU %.2f s", e.PeakRSSMB, e.CPUS, e.MailpitCPUS)
			}
			fmt.Fprintf(out, "  (b) end to end, %-10s %d SMTP connection(s): %8.3f s  (last ticket stored at %.3f s; (a)/(b) = %.2f%s)\n",
				how+",", c, e.Seconds, e.IngestDoneS, e.FloorOverE2E, rss)
		}
	}
	return res, nil
}

// mailpitCPU is the CPU time Mailpit has used so far; 0 when it cannot be
// read, which only leaves the figure out.
func (l *lab) mailpitCPU() time.Duration {
	d, err := l.mailpit.CPUTime()
	if err != nil {
		return 0
	}
	return d
}

// profileOf names the CPU profile of the in-process end-to-end run over
// conns connections: profile with ".e2e" added, for the run over the most
// connections only; "" when profile is "".
func profileOf(profile string, conns, most int) string {
	if profile == "" || conns != most {
		return ""
	}
	return profile + ".e2e"
}

// floor measures (a) on mailbox: the download, and sending as many
// acknowledgements as it holds letters over one connection (and, for
// comparison, over conns at once). It returns the figures and how many
// letters and bytes the mailbox holds.
func (l *lab) floor(ctx context.Context, out io.Writer, name, mailbox string, senders []string, conns int) (Floor, int, int64, error) {
	down, n, size, err := l.bestDownload(mailbox)
	if err != nil {
		return Floor{}, 0, 0, err
	}
	fmt.Fprintf(out, "%s: %d letters, %.1f MB\n", name, n, float64(size)/(1<<20))
	fmt.Fprintf(out, "  (a) download, one UID FETCH 1:* BODY.PEEK[]:   %8.3f s  (%.0f letters/s)\n", down.Seconds(), rate(n, down))

	acks, err := acknowledgements(n, senders)
	if err != nil {
		return Floor{}, 0, 0, err
	}
	ackBytes := 0
	for _, a := range acks {
		ackBytes += len(a.raw)
	}
	var mailpitCPU time.Duration
	sendAll := func(conns int) (time.Duration, error) {
		if err := l.mailpit.DeleteAll(); err != nil {
			return 0, err
		}
		cpu := l.mailpitCPU()
		took, err := sendParallel(ctx, l.mailpit.SMTPAddr, acks, conns)
		if err != nil {
			return 0, fmt.Errorf("send %d acknowledgements over %d connections: %w", n, conns, err)
		}
		_, err = l.waitMailpit(ctx, n, time.Minute, nil)
		mailpitCPU = l.mailpitCPU() - cpu
		return took, err
	}
	sent, err := sendAll(1)
	if err != nil {
		return Floor{}, 0, 0, err
	}
	f := Floor{DownloadS: down.Seconds(), SendS: sent.Seconds(), TotalS: (down + sent).Seconds(), AckBytes: ackBytes / n,
		MailpitCPUS: mailpitCPU.Seconds()}
	fmt.Fprintf(out, "  (a) send %d acknowledgements (%d bytes) over one connection: %8.3f s  (%.0f letters/s)\n",
		n, ackBytes/n, sent.Seconds(), rate(n, sent))
	fmt.Fprintf(out, "  (a) floor, download + send:                      %8.3f s  (Mailpit used %.2f s of CPU taking the letters)\n",
		f.TotalS, f.MailpitCPUS)
	if conns > 1 {
		// Not part of the floor: whether the SMTP server takes letters
		// faster over several connections, which bounds what ticketd can
		// gain from them.
		par, err := sendAll(conns)
		if err != nil {
			return Floor{}, 0, 0, err
		}
		f.SendParallelS, f.ParallelConnections = par.Seconds(), conns
		fmt.Fprintf(out, "      (the same sent over %d connections at once:     %8.3f s, %.0f letters/s)\n",
			conns, par.Seconds(), rate(n, par))
	}
	return f, n, size, nil
}

func distinct(a, b int) []int {
	if a == b {
		return []int{a}
	}
	return []int{a, b}
}

func rate(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }

// ingestOnly reads mailbox into a fresh database in-process with one
// daemon.Poll, which stores every letter with its acknowledgement queued
// and sends nothing, and returns how long the Poll took. With profile set,
// the Poll runs under the CPU profiler.
func (l *lab) ingestOnly(ctx context.Context, mailbox string, n int, profile string) (time.Duration, error) {
	p, err := l.inProcess(ctx, mailbox, 1)
	if err != nil {
		return 0, err
	}
	defer p.close()
	return p.poll(ctx, n, profile)
}

// startProfile starts the CPU profiler writing to path, and returns what
// stops it; with path "" it does nothing.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// poll runs one daemon.Poll and checks that it stored want letters.
func (p *inProcess) poll(ctx context.Context, want int, profile string) (time.Duration, error) {
	stop, err := startProfile(profile)
	if err != nil {
		return 0, err
	}
	defer stop()
	start := time.Now()
	got, err := p.daemon.Poll(ctx)
	elapsed := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("ingest: %w", err)
	}
	if got != want {
		return 0, fmt.Errorf("ingest stored %d letters, want %d", got, want)
	}
	return elapsed, nil
}

// endToEndBinary runs "ticketd run" over mailbox into a fresh database and
// returns how long it took until Mailpit held n acknowledgements.
func (l *lab) endToEndBinary(ctx context.Context, mailbox string, n, conns int) (EndToEnd, error) {
	e := EndToEnd{How: "binary", SMTPConnections: conns}
	if err := l.mailpit.DeleteAll(); err != nil {
		return e, err
	}
	db, remove, err := l.freshDB(ctx)
	if err != nil {
		return e, err
	}
	defer remove()
	config, err := l.config(mailbox, db, `poll_interval = "1s"`, fmt.Sprintf("connections = %d", conns))
	if err != nil {
		return e, err
	}
	mailpitCPU, pgCPU := l.mailpitCPU(), l.postgresCPU(db)
	start := time.Now()
	p, err := l.start(config, "run")
	if err != nil {
		return e, err
	}
	acked, err := l.waitMailpit(ctx, n, 10*time.Minute, p.done)
	if err != nil {
		p.stop()
		return e, fmt.Errorf("%w\n%s", err, p.tail())
	}
	e.Seconds = acked.Sub(start).Seconds()
	e.MailpitCPUS = (l.mailpitCPU() - mailpitCPU).Seconds()
	e.PostgresCPUS = (l.postgresCPU(db) - pgCPU).Seconds()
	if err := p.stop(); err != nil {
		return e, err
	}
	e.PeakRSSMB, e.CPUS = p.peakRSS(), p.cpuSeconds()
	st, err := openStore(ctx, db)
	if err != nil {
		return e, err
	}
	defer st.Close()
	last, err := lastStored(ctx, st)
	if err != nil {
		return e, err
	}
	e.IngestDoneS = last.Sub(start).Seconds()
	return e, nil
}

// endToEndInProcess runs the daemon wired in-process over mailbox into a
// fresh database and returns how long it took until Mailpit held n
// acknowledgements.
func (l *lab) endToEndInProcess(ctx context.Context, mailbox string, n, conns int, profile string) (EndToEnd, error) {
	e := EndToEnd{How: "in-process", SMTPConnections: conns}
	if err := l.mailpit.DeleteAll(); err != nil {
		return e, err
	}
	p, err := l.inProcess(ctx, mailbox, conns)
	if err != nil {
		return e, err
	}
	defer p.close()
	stop, err := startProfile(profile)
	if err != nil {
		return e, err
	}
	defer stop()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var runErr error
	start := time.Now()
	go func() {
		runErr = p.run(runCtx)
		close(done)
	}()
	acked, err := l.waitMailpit(ctx, n, 10*time.Minute, done)
	e.Seconds = acked.Sub(start).Seconds()
	cancel()
	<-done
	if err != nil {
		return e, err
	}
	if runErr != nil {
		return e, runErr
	}
	last, err := lastStored(ctx, p.db)
	if err != nil {
		return e, err
	}
	e.IngestDoneS = last.Sub(start).Seconds()
	return e, nil
}
