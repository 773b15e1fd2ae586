// Command bench measures ticketd against a real Dovecot and a real Mailpit,
// which it starts itself (package mailtest), and writes every figure as
// JSON:
//
//	go run ./bench [-n 2000] [-big] [-scale] [-out bench/results/latest.json]
//
// It loads N small Russian letters into the mailbox and measures, in one run:
//
//   - (a) the floor, the bare network work any design must do: downloading
//     the whole mailbox with one UID FETCH 1:* BODY.PEEK[], and sending N
//     acknowledgements over one SMTP connection;
//   - (b) ticketd: the time from start until Mailpit received the last of N
//     acknowledgements, as the binary ("ticketd run") and wired in-process,
//     over one and over -connections SMTP connections; and its ingest-only
//     rate (one daemon.Poll: letters stored, acknowledgements queued, none
//     sent) against the download rate;
//   - (c) the latency from a letter's arrival (the APPEND's completion) to its
//     acknowledgement in Mailpit, for letters delivered one by one while
//     "ticketd run" waits in IMAP IDLE;
//   - (d) the peak RSS of "ticketd run -once" reading one letter of about
//     25 MB of screenshots and photos, one of about 25 MB of one opaque
//     attachment, and one of about 60 MB (max_message_mb = 70), each
//     -memory-runs times, and over an empty mailbox.
//
// -big repeats (a) and (b) over letters carrying 1–5 MB screenshots (real
// PNG and JPEG files drawn here); -scale measures the ingest-only cost per
// letter at 1,000, 5,000 and 20,000 letters. The goals of the figures are
// printed and recorded, never enforced: this is a measurement, not a test.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ticketd/ticketd/internal/mailtest"
)

// options are the command's flags.
type options struct {
	letters     int
	out         string
	big         bool
	bigLetters  int
	connections int
	latency     int
	gap         time.Duration
	memory      bool
	memoryRuns  int
	memoryOnly  string
	scale       bool
	scaleSizes  string
	seed        uint64
	ticketd     string
	cpuProfile  string
	keep        bool
	backends    string
	fleet       bool
	fleetN      int
	fleetStores string
	fleetCounts string
	leaseTTL    time.Duration
	leaseRenew  time.Duration
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == launchArg {
		os.Exit(launch(os.Args[2:]))
	}
	var o options
	flag.IntVar(&o.letters, "n", 2000, "small letters for (a) and (b); 0 skips (a) and (b)")
	flag.StringVar(&o.out, "out", "bench/results/latest.json", "write the figures as JSON to this file")
	flag.BoolVar(&o.big, "big", false, "also measure (a) and (b) over letters with 1–5 MB screenshots")
	flag.IntVar(&o.bigLetters, "big-n", 40, "letters with screenshots for -big")
	flag.IntVar(&o.connections, "connections", 4, "SMTP connections of the parallel end-to-end runs")
	flag.IntVar(&o.latency, "latency", 100, "letters delivered one by one for (c); 0 skips (c)")
	flag.DurationVar(&o.gap, "gap", 100*time.Millisecond, "time between the letters of (c)")
	flag.BoolVar(&o.memory, "memory", true, "measure (d), the peak RSS over two 25 MB letters and a 60 MB one")
	flag.IntVar(&o.memoryRuns, "memory-runs", 3, "runs of (d) over each letter")
	flag.StringVar(&o.memoryOnly, "memory-letters", strings.Join(memoryLetterNames(), ","), "letters of (d), comma-separated; \"none\" measures an empty mailbox alone")
	flag.BoolVar(&o.scale, "scale", false, "measure the ingest-only cost per letter at -scale-sizes letters")
	flag.StringVar(&o.scaleSizes, "scale-sizes", "1000,5000,20000", "mailbox sizes for -scale, comma-separated")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated letters and pictures")
	flag.StringVar(&o.ticketd, "ticketd", "", "a ticketd binary to measure (default: build ./cmd/ticketd)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write CPU profiles of the small ingest-only run to this file, and of the in-process end-to-end run to this file with .e2e added")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch directory (databases, configurations, logs)")
	flag.StringVar(&o.backends, "backends", "sqlite", "store backends to measure (b) ingest and end to end and (c) on, side by side: sqlite, postgres (a throwaway cluster, internal/pgtest)")
	flag.BoolVar(&o.fleet, "fleet", false, "measure daemon scaling: -fleet-daemons \"ticketd run\" processes on three mailboxes and one store")
	flag.IntVar(&o.fleetN, "fleet-n", 1000, "letters per mailbox for -fleet")
	flag.StringVar(&o.fleetStores, "fleet-backends", "postgres", "store backends of -fleet, comma-separated: postgres, sqlite")
	flag.StringVar(&o.fleetCounts, "fleet-daemons", "1,2,3", "numbers of daemons for -fleet, comma-separated")
	flag.DurationVar(&o.leaseTTL, "lease-ttl", 3*time.Second, "[daemon] lease_ttl of the -fleet daemons")
	flag.DurationVar(&o.leaseRenew, "lease-renew", time.Second, "[daemon] lease_renew of the -fleet daemons")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "bench: no arguments expected; see -h")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	sizes, err := parseSizes(o.scaleSizes)
	if err != nil {
		return err
	}
	memoryOnly, err := parseMemoryLetters(o.memoryOnly)
	if err != nil {
		return err
	}
	backends, err := parseBackends(o.backends)
	if err != nil {
		return err
	}
	fleetStores, err := parseBackends(o.fleetStores)
	if err != nil {
		return fmt.Errorf("-fleet-backends: %w", err)
	}
	fleetCounts, err := parseSizes(o.fleetCounts)
	if err != nil {
		return fmt.Errorf("-fleet-daemons: %w", err)
	}
	rep := &Report{
		Machine: thisMachine(),
		Settings: Settings{Letters: o.letters, SMTPConnections: o.connections, LatencyLetters: o.latency,
			LatencyGap: o.gap.String(), Seed: o.seed, Backends: backends},
	}
	if o.big {
		rep.Settings.BigLetters = o.bigLetters
	}
	fmt.Fprintf(out, "ticketd %s on %s, %d cores, %s, load average %s\n",
		rep.Machine.Commit, rep.Machine.CPU, rep.Machine.Cores, rep.Machine.Go, rep.Machine.LoadStart)
	if load, _, _ := strings.Cut(rep.Machine.LoadStart, " "); load != "" {
		if v, err := strconv.ParseFloat(load, 64); err == nil && v > 0.5 {
			fmt.Fprintln(out, "the machine is busy: the figures will be slower and noisier than on an idle one")
		}
	}

	dir, err := os.MkdirTemp("", "ticketd-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(out, "scratch directory: %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	l := &lab{dir: dir, ticketd: o.ticketd, backend: "sqlite"}
	defer func() {
		if l.pg != nil {
			l.pg.Close()
		}
	}()
	if l.ticketd == "" {
		if l.ticketd, err = buildTicketd(ctx, dir); err != nil {
			return err
		}
	}
	if l.dovecot, err = mailtest.LaunchDovecot(""); err != nil {
		return err
	}
	defer l.dovecot.Close()
	if l.mailpit, err = mailtest.LaunchMailpit(""); err != nil {
		return err
	}
	defer l.mailpit.Close()

	gen := newGenerator(o.seed)
	if o.letters > 0 {
		senders, err := l.deliverSmall(gen, "Small", o.letters)
		if err != nil {
			return err
		}
		if rep.Small, err = l.measureSet(ctx, out, "small letters", "Small", senders, o.connections, o.cpuProfile); err != nil {
			return err
		}
	}
	if o.latency > 0 {
		if rep.Latency, err = l.latency(ctx, out, "Latency", gen, o.latency, o.gap); err != nil {
			return fmt.Errorf("latency: %w", err)
		}
	}
	if o.letters > 0 && (len(backends) > 1 || backends[0] != "sqlite") {
		for _, b := range backends {
			r := sqliteResult(rep.Small, rep.Latency)
			if b != "sqlite" {
				if r, err = l.measureBackend(ctx, out, b, "Small", rep.Small, o.connections, gen, o.latency, o.gap); err != nil {
					return err
				}
			}
			rep.Backends = append(rep.Backends, r)
		}
		printBackends(out, rep.Backends)
	}
	if o.fleet {
		if rep.Fleet, err = l.fleet(ctx, out, gen, o.fleetN, fleetStores, fleetCounts, o.leaseTTL, o.leaseRenew); err != nil {
			return err
		}
		rep.Settings.FleetLetters = o.fleetN
	}
	var pool *screenshotPool
	if o.memory && len(memoryOnly) > 0 || o.big {
		fmt.Fprintln(out, "drawing screenshots…")
		rng := rand.New(rand.NewPCG(o.seed, 2))
		if pool, err = newScreenshotPool(rng, 8, 1<<20, 48<<20/10); err != nil {
			return err
		}
	}
	if o.memory {
		if rep.Memory, err = l.peakMemory(ctx, out, gen, pool, max(o.memoryRuns, 1), o.seed, memoryOnly); err != nil {
			return fmt.Errorf("peak memory: %w", err)
		}
	}
	if o.big {
		var raws [][]byte
		for i := range o.bigLetters {
			raws = append(raws, gen.withFiles(500000+i, []file{pool.take(i)}))
		}
		if err := l.dovecot.Deliver("Screenshots", raws...); err != nil {
			return err
		}
		senders := make([]string, len(raws))
		for i := range senders {
			senders[i] = fmt.Sprintf("citizen%d@example.ru", i)
		}
		if rep.Big, err = l.measureSet(ctx, out, "letters with screenshots", "Screenshots", senders, o.connections, ""); err != nil {
			return err
		}
	}
	if o.scale {
		if rep.Scale, err = l.scale(ctx, out, gen, sizes); err != nil {
			return fmt.Errorf("scale: %w", err)
		}
	}
	rep.Machine.LoadEnd = loadAverage()
	rep.goals()
	rep.printGoals(out)
	if err := rep.write(o.out); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s\n", o.out)
	return nil
}

// deliverSmall puts n small letters into mailbox and returns their senders.
func (l *lab) deliverSmall(gen *generator, mailbox string, n int) ([]string, error) {
	senders := make([]string, 0, n)
	for done := 0; done < n; {
		chunk := min(n-done, 2000)
		raws := make([][]byte, chunk)
		for i := range raws {
			var from string
			raws[i], from = gen.small(done + i)
			senders = append(senders, from)
		}
		if err := l.dovecot.Deliver(mailbox, raws...); err != nil {
			return nil, err
		}
		done += chunk
	}
	return senders, nil
}

func parseSizes(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-scale-sizes: %q is not a positive number", f)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}
