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

// daemonRun is one "ticketd run -once".
type daemonRun struct {
	n      int
	exit   int // -1 when it did not exit by itself
	killed string
	took   time.Duration
	peakKB int64 // peak resident set (VmHWM, ru_maxrss)
	// crossed is when the resident set first passed peakBoundMB.
	crossed time.Time
	logs    string
	// The watermark (highest UID stored) before and after the run.
	before, after uint32
}

// stopped reports whether the run failed.
func (r daemonRun) stopped() bool { return r.exit != 0 || r.killed != "" }

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

// filedAfter returns the UID of the first letter the run logged as filed
// at or after at, and whether there is one: the letter that was being
// read at that moment, or one of the next.
func (r daemonRun) filedAfter(at time.Time) (uint32, bool) {
	for _, line := range strings.Split(r.logs, "\n") {
		var when time.Time
		var uid uint64
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "time":
				when, _ = time.Parse(time.RFC3339Nano, v)
			case "uid":
				uid, _ = strconv.ParseUint(v, 10, 32)
			}
		}
		if uid != 0 && !when.Before(at) {
			return uint32(uid), true
		}
	}
	return 0, false
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

// runOnceChild runs "ticketd run -once" and watches its memory.
func runOnceChild(t *testing.T, bin, config string, timeout time.Duration) daemonRun {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, "run", "-once", "-config", config)
	cmd.Stdout, cmd.Stderr = &out, &out
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
	r := daemonRun{exit: -1}
	tick := time.NewTicker(20 * time.Millisecond)
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
			r.peakKB = max(r.peakKB, hwm)
			if rss>>10 >= peakBoundMB && r.crossed.IsZero() {
				r.crossed = time.Now()
			}
			if rss > rssGuardKB && r.killed == "" {
				r.killed = fmt.Sprintf("resident set of %d MB", rss>>10)
				cmd.Process.Kill()
			}
		case <-limit.C:
			r.killed = fmt.Sprintf("still running after %v", timeout)
			cmd.Process.Kill()
		}
	}
	r.took = time.Since(start)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.peakKB = max(r.peakKB, ru.Maxrss) // kilobytes on Linux
	}
	if r.killed == "" {
		r.exit = cmd.ProcessState.ExitCode()
	}
	r.logs = out.String()
	return r
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
		r := runOnceChild(t, bin, s.config, min(runTimeout, time.Until(deadline)+time.Second))
		r.n, r.before = n, before.LastUID
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
