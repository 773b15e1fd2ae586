package mailtest

import (
	"errors"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// requireBinary returns the path of the first executable found among the
// candidates and then in PATH under name. When there is none, it fails the
// test under CI or TICKETD_E2E=1 and skips it otherwise; install tells the
// reader how to get the program.
func requireBinary(t testing.TB, name, install string, candidates ...string) string {
	t.Helper()
	path, err := findBinary(name, candidates...)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("mailtest: %v; install it with %s (\"make test\" does this)", err, install)
	if mustRun() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// mustRun reports whether missing servers must fail tests instead of
// skipping them.
func mustRun() bool {
	return os.Getenv("CI") != "" || os.Getenv("TICKETD_E2E") == "1"
}

// findBinary looks for an executable file among candidates, then in PATH.
func findBinary(name string, candidates ...string) (string, error) {
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return c, nil
		}
	}
	path, err := exec.LookPath(name)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("%s not found in %v or PATH", name, candidates)
		}
		return "", fmt.Errorf("look up %s: %w", name, err)
	}
	return path, nil
}

// goBinCandidates lists where "go install" puts a program called name:
// $GOBIN, every $GOPATH/bin, and $HOME/go/bin.
func goBinCandidates(name string) []string {
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	for _, p := range filepath.SplitList(build.Default.GOPATH) {
		dirs = append(dirs, filepath.Join(p, "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	paths := make([]string, len(dirs))
	for i, d := range dirs {
		paths[i] = filepath.Join(d, name)
	}
	return paths
}
