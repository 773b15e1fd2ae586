package mailtest

import (
	"errors"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
)

// ErrNotInstalled is returned (wrapped) by LaunchDovecot and LaunchMailpit
// when the server's program cannot be found.
var ErrNotInstalled = errors.New("mailtest: server not installed")

// findBinary returns the path of the first executable among candidates, then
// in PATH under name. When there is none, the error wraps ErrNotInstalled and
// tells the reader how to install the program.
func findBinary(name, install string, candidates ...string) (string, error) {
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return c, nil
		}
	}
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return "", fmt.Errorf("%w: %s not found in %v or PATH; install it with %s (\"make test\" does this)",
			ErrNotInstalled, name, candidates, install)
	}
	return "", fmt.Errorf("mailtest: look up %s: %w", name, err)
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
