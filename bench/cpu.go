package main

import (
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// postgresCPU is the CPU time, user and system, the PostgreSQL server
// holding the database at location has used so far: its postmaster's own
// and its reaped children's, and its live children's (the backends, the
// writers). 0 when location is not a PostgreSQL URL or the server cannot be
// found, which only leaves the figure out.
func (l *lab) postgresCPU(location string) time.Duration {
	if !strings.HasPrefix(location, "postgres") {
		return 0
	}
	u, err := url.Parse(location)
	if err != nil || u.Port() == "" {
		return 0
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	master := 0
	for _, e := range procs {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) > 0 && strings.HasSuffix(args[0], "/postgres") && hasPair(args, "-p", u.Port()) {
			master = pid
			break
		}
	}
	if master == 0 {
		return 0
	}
	total := time.Duration(0)
	for _, e := range procs {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, ok := procStat(pid)
		if !ok {
			continue
		}
		switch {
		case pid == master:
			total += st.self + st.children
		case st.ppid == master:
			total += st.self
		}
	}
	return total
}

func hasPair(args []string, k, v string) bool {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == k && args[i+1] == v {
			return true
		}
	}
	return false
}

// stat is the part of /proc/pid/stat the bench reads.
type stat struct {
	ppid           int
	self, children time.Duration // utime+stime; cutime+cstime
}

// procStat reads /proc/pid/stat (ticks of 1/100 s on Linux).
func procStat(pid int) (stat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 15 {
		return stat{}, false
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	tick := 10 * time.Millisecond
	return stat{ppid: int(n(1)), self: time.Duration(n(11)+n(12)) * tick, children: time.Duration(n(13)+n(14)) * tick}, true
}
