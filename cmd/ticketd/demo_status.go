package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// demoApplications is the demo's register of applications ([status]
// file): the sample letter 02-ru-status-request.eml asks about the first,
// from the address registered for it, and gets its status by itself.
const demoApplications = `number,status,email
2026-004512,approved,m.sidorova@example.ru
2026-000317,in_progress,ivan.petrov@example.ru
2026-000911,rejected,n.ivanov@example.ru
`

// writeDemoApplications writes the demo's register of applications to a
// temporary file and returns its path and what removes it.
func writeDemoApplications() (string, func(), error) {
	dir, err := os.MkdirTemp("", "ticketd-demo-status-")
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(dir, "applications.csv")
	if err := os.WriteFile(path, []byte(demoApplications), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return path, func() { os.RemoveAll(dir) }, nil
}

// printDemoApplications says what the demo's register holds, and what it
// is for.
func printDemoApplications(w io.Writer, path string) {
	fmt.Fprintf(w, "The register of applications ([status] file %s):\n\n%s\n", path, demoApplications)
	fmt.Fprintln(w, "A letter asking the status of one of them from the address registered for it gets the status\n"+
		"by itself; anyone else, or another number, gets the acknowledgement, and the ticket waits for an operator.")
	fmt.Fprintln(w)
}
