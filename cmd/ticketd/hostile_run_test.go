package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// How TestHostileLetters drives the daemon: "ticketd run -once" as a child
// process, again and again, until every letter is read. A run that ends
// short of the last letter (an exit status other than 0, a crash, a hang)
// was stopped by the first letter above the stored watermark; the battery
// records that letter as the one that stopped intake, moves the watermark
// past it with the store's own Advance, and runs again, so that one poison
// letter cannot hide what the others do. Moving the watermark is the
// battery's doing, never ticketd's, and the letter fails its subtest.

// child is one run of the ticketd binary.
type child struct {
	exit   int // -1 when it did not exit by itself
	killed string
	took   time.Duration
	peakKB int64 // peak resident set (VmHWM)
	logs   string
}

// stopped reports whether the run failed.
func (c child) stopped() bool { return c.exit != 0 || c.killed != "" }

// daemonRun is one "ticketd run -once".
type daemonRun struct {
	child
	n int
	// The watermark (highest UID stored) before and after the run.
	before, after uint32
}

func (r daemonRun) String() string {
	status := fmt.Sprintf("exit status %d", r.exit)
	if r.killed != "" {
		status = "killed by the battery: " + r.killed
	}
	stored := "no letter stored"
	if r.after > r.before {
		stored = fmt.Sprintf("UIDs %d..%d stored", r.before+1, r.after)
	}
	return fmt.Sprintf("run -once #%d (%s after %v, peak RSS %d MB, %s)",
		r.n, status, r.took.Round(time.Millisecond), r.peakKB>>10, stored)
}

// runTimeout bounds one run; runsTimeout all of them. Reading the whole
// battery takes seconds: a run that takes minutes hangs.
const (
	runTimeout  = 2 * time.Minute
	runsTimeout = 6 * time.Minute
)

// rssGuardKB stops a run whose resident set passes 2 GB, so that a bomb
// fails the test instead of the machine.
const rssGuardKB = 2 << 20

// runChild runs the ticketd binary with args and samples its memory every
// few milliseconds until it exits.
//
// The peak is the kernel's high-water mark of the child's own address
// space (VmHWM), read while it runs; growth in its last few milliseconds
// goes unseen. ru_maxrss would see everything, but it starts at the
// high-water mark of this test process: Go starts programs with vfork, so
// the child runs in our address space until exec (see bench/launch.go).
func runChild(t *testing.T, timeout time.Duration, bin string, args ...string) child {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	// The daemon reads as many letters at once as it has cores; two keep
	// its peak memory the same on any machine.
	cmd.Env = append(os.Environ(), "GOMAXPROCS=2")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	c := child{exit: -1}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	limit := time.NewTimer(timeout)
	defer limit.Stop()
wait:
	for {
		select {
		case <-done:
			break wait
		case <-tick.C:
			hwm, rss := procMemoryKB(cmd.Process.Pid)
			c.peakKB = max(c.peakKB, hwm)
			if rss > rssGuardKB && c.killed == "" {
				c.killed = fmt.Sprintf("resident set of %d MB", rss>>10)
				cmd.Process.Kill()
			}
		case <-limit.C:
			c.killed = fmt.Sprintf("still running after %v", timeout)
			cmd.Process.Kill()
		}
	}
	c.took = time.Since(start)
	if c.killed == "" {
		c.exit = cmd.ProcessState.ExitCode()
	}
	c.logs = out.String()
	return c
}

// alonePeakKB is the peak resident set of "ticketd parse" on raw: the
// letter read alone, as the daemon reads it (mailparse, the checks of its
// files, triage), without servers or store.
func alonePeakKB(t *testing.T, bin string, raw []byte) int64 {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "letter-*.eml")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(raw); err != nil {
		t.Fatal(err)
	}
	f.Close()
	c := runChild(t, runTimeout, bin, "parse", f.Name())
	if c.stopped() {
		t.Logf("ticketd parse on a letter of %d bytes: exit status %d %s\n%s", len(raw), c.exit, c.killed, endOf(c.logs))
	}
	return c.peakKB
}

// procMemoryKB reads a process's peak and current resident set.
func procMemoryKB(pid int) (hwm, rss int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, value, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch name {
		case "VmHWM":
			hwm = kb
		case "VmRSS":
			rss = kb
		}
	}
	return hwm, rss
}

// watermark reads the stored watermark of INBOX.
func watermark(t *testing.T, path string) store.Watermark {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wm, err := db.Watermark(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	return wm
}

// skipLetter moves the watermark of INBOX to uid, as if its letter had been
// stored.
func skipLetter(t *testing.T, path string, validity, uid uint32) {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Advance(context.Background(), "INBOX", validity, uid); err != nil {
		t.Fatal(err)
	}
}

// driveDaemon runs the daemon until the letters with uids are all read, or
// until deadline. It returns every run, and for each letter that stopped
// intake the run it stopped.
func driveDaemon(t *testing.T, bin string, s *servers, uids []uint32, deadline time.Time) ([]daemonRun, map[uint32]daemonRun) {
	t.Helper()
	sorted := slices.Sorted(slices.Values(uids))
	last := sorted[len(sorted)-1]
	var runs []daemonRun
	blocked := map[uint32]daemonRun{}
	for n := 1; ; n++ {
		before := watermark(t, s.dbPath)
		r := daemonRun{n: n, before: before.LastUID,
			child: runChild(t, min(runTimeout, time.Until(deadline)+time.Second), bin, "run", "-once", "-config", s.config)}
		wm := watermark(t, s.dbPath)
		r.after = wm.LastUID
		runs = append(runs, r)
		if testing.Verbose() {
			t.Logf("%v", r)
		}
		if r.after >= last {
			return runs, blocked
		}
		if r.stopped() || r.after == r.before {
			i, _ := slices.BinarySearch(sorted, r.after+1)
			uid := sorted[i]
			if _, again := blocked[uid]; again || wm.UIDValidity == 0 {
				t.Errorf("%v made no progress at UID %d and cannot be skipped; giving up\n%s", r, uid, lastLines(r.logs, 20))
				return runs, blocked
			}
			blocked[uid] = r
			skipLetter(t, s.dbPath, wm.UIDValidity, uid)
		} // else it read some and ended without a word: read on
		if time.Now().After(deadline) {
			t.Errorf("the runs of ticketd passed their deadline; the letters after UID %d were not read", watermark(t, s.dbPath).LastUID)
			return runs, blocked
		}
	}
}

// endOf is what a run's output shows of how it ended: from a panic on, or
// its last lines.
func endOf(logs string) string {
	for _, start := range []string{"panic: ", "fatal error: "} {
		if i := strings.Index(logs, start); i >= 0 {
			return firstLines(logs[i:], 20)
		}
	}
	return lastLines(logs, 3)
}
