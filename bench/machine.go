package main

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Machine is where the figures were measured.
type Machine struct {
	CPU     string `json:"cpu"`
	Cores   int    `json:"cores"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Date    string `json:"date"`
	Dovecot string `json:"dovecot,omitempty"`
	Commit  string `json:"ticketd_commit,omitempty"` // "+dirty" when the checkout had changes
	// LoadStart and LoadEnd are /proc/loadavg's 1, 5 and 15 minute load
	// averages as the run began and ended: other work on the machine
	// makes the figures slower and noisier.
	LoadStart string `json:"loadavg_start,omitempty"`
	LoadEnd   string `json:"loadavg_end,omitempty"`
}

func thisMachine() Machine {
	return Machine{
		CPU:       cpuModel(),
		Cores:     runtime.NumCPU(),
		Go:        runtime.Version(),
		OS:        runtime.GOOS + "/" + runtime.GOARCH,
		Date:      time.Now().UTC().Format(time.RFC3339),
		Dovecot:   output("dovecot", "--version"),
		Commit:    commit(),
		LoadStart: loadAverage(),
	}
}

// loadAverage is the first three fields of /proc/loadavg, or "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// cpuModel is the first "model name" in /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func commit() string {
	c := output("git", "rev-parse", "--short", "HEAD")
	if c != "" && output("git", "status", "--porcelain", "--untracked-files=no") != "" {
		c += "+dirty"
	}
	return c
}

// output runs a command and returns its trimmed output, or "" if it fails.
func output(name string, args ...string) string {
	if name == "dovecot" {
		if _, err := exec.LookPath(name); err != nil {
			name = "/usr/sbin/dovecot"
		}
	}
	b, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
