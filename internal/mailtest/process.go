package mailtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// startTimeout bounds how long a server may take to accept its first
	// login or request.
	startTimeout = 10 * time.Second
	// probeTimeout bounds one attempt to see whether a server is ready.
	probeTimeout = 2 * time.Second
	// startAttempts is how many free ports StartDovecot and StartMailpit try
	// when another process takes the port first.
	startAttempts = 3
	// stopTimeout bounds how long a server may take to shut down after
	// SIGTERM before its whole process group is killed.
	stopTimeout = 10 * time.Second
)

// errAddrInUse marks a start that failed because the port was taken.
var errAddrInUse = errors.New("mailtest: address already in use")

// errKilled marks a stop that had to kill a server that ignored SIGTERM.
var errKilled = errors.New("killed")

// process is a server running in its own process group, so that stopping it
// also stops every child it forked.
type process struct {
	cmd     *exec.Cmd
	outPath string        // file receiving the server's stdout and stderr
	done    chan struct{} // closed once the server has exited
	err     error         // the exit status; read only after done is closed
}

// startProcess starts bin with args, its output appended to outPath.
func startProcess(bin string, args []string, outPath string) (*process, error) {
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open server output: %w", err)
	}
	defer out.Close() // the child holds its own copy

	cmd := exec.Command(bin, args...)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		// The server dies with the test binary, even when a test panics or
		// times out before its cleanup runs.
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &process{cmd: cmd, outPath: outPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the server has exited, and with what status.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// stop sends SIGTERM to the server's process group, waits up to stopTimeout
// for the server to exit, and then kills whatever is left of the group.
func (p *process) stop() error {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	var err error
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		err = fmt.Errorf("%s did not exit within %v of SIGTERM; %w", p.cmd.Path, stopTimeout, errKilled)
	}
	// Children may outlive the leader; the group id stays reserved while
	// they do, so this cannot hit an unrelated process.
	if kerr := syscall.Kill(-pgid, syscall.SIGKILL); kerr != nil && !errors.Is(kerr, syscall.ESRCH) {
		err = errors.Join(err, fmt.Errorf("kill process group %d: %w", pgid, kerr))
	}
	<-p.done
	// Killed children linger until init reaps them; wait, so that a server
	// started next finds its port free and nothing of this one is left.
	deadline := time.Now().Add(stopTimeout)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			return errors.Join(err, fmt.Errorf("process group %d still exists %v after SIGKILL", pgid, stopTimeout))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return err
}

// output returns the last lines the server printed, for error messages.
func (p *process) output() string {
	return tail(p.outPath)
}

// tail returns the last few kilobytes of the file at path, or a note saying
// why it could not be read.
func tail(path string) string {
	const max = 8 << 10
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	if len(b) > max {
		b = b[len(b)-max:]
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return fmt.Sprintf("(%s is empty)", path)
	}
	return s
}

// processCPU reads the user and system CPU time of process pid from
// /proc/pid/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("mailtest: cpu time of %d: %w", pid, err)
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("mailtest: cpu time of %d: short /proc stat", pid)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("mailtest: cpu time of %d: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// descendants returns the processes named comm (as in /proc/pid/comm)
// that run under the process pid: its children, their children, and so on.
func descendants(pid int, comm string) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("mailtest: list processes: %w", err)
	}
	parent := map[int]int{}
	named := map[int]bool{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			continue
		}
		fields := strings.Fields(s[close+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		parent[p] = ppid
		named[p] = s[open+1:close] == comm
	}
	var out []int
	for p := range named {
		if !named[p] {
			continue
		}
		for a := parent[p]; a > 1; a = parent[a] {
			if a == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out, nil
}

// processWritten returns the bytes process pid has written so far, to
// files and sockets alike (wchar in /proc/pid/io).
func processWritten(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, fmt.Errorf("mailtest: io of %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("mailtest: io of %d: no wchar", pid)
}
