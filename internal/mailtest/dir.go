package mailtest

import (
	"fmt"
	"os"
)

// serverDir returns the directory a server keeps its files in: dir itself,
// or, when dir is "", a new temporary directory that every user may enter,
// which the caller owns and removes. Its path stays short because Dovecot
// puts Unix sockets in it.
func serverDir(name, dir string) (path string, owned bool, err error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", false, fmt.Errorf("mailtest: create %s dir: %w", name, err)
		}
		return dir, false, nil
	}
	dir, err = os.MkdirTemp("", "ticketd-"+name+"-")
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		return "", false, fmt.Errorf("mailtest: create %s dir: %w", name, err)
	}
	return dir, true, nil
}
