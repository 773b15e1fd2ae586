package browsertest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// ErrNotInstalled is returned (wrapped) by FindChromium when Chromium
// cannot be found.
var ErrNotInstalled = errors.New("browsertest: chromium not installed")

// chromiumPaths are where Debian's package puts the browser.
var chromiumPaths = []string{"/usr/bin/chromium"}

// FindChromium returns the path of Debian's Chromium: /usr/bin/chromium, or
// chromium in PATH. When there is none, the error wraps ErrNotInstalled and
// says how to install it.
func FindChromium() (string, error) {
	for _, p := range chromiumPaths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path, nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return "", fmt.Errorf("%w: not at %v nor in PATH; install it with \"apt-get install --no-install-recommends chromium\" (\"make deps\" does this)",
			ErrNotInstalled, chromiumPaths)
	}
	return "", fmt.Errorf("browsertest: look up chromium: %w", err)
}
