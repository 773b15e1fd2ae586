package applications

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// File is a register kept in a CSV file, for the demo and for tests: one
// application a line, number,status,email, comma-separated (RFC 4180:
// a value holding a comma or a quote is quoted).
//
//   - The first line may be a header naming the columns: when it holds
//     number, status and email (in any case and any order), the columns are
//     found by name and others are ignored. Without one, every line has
//     exactly the three columns in that order.
//   - White space around values, blank lines and lines starting with # are
//     ignored, and so is a UTF-8 byte order mark (spreadsheets write one).
//   - status is in_progress, approved or rejected; email is required; a
//     number given twice is an error.
//
// The file is read when opened, and read again at a lookup when its size
// or modification time has changed since (a change within the file
// system's timestamp granularity that keeps the size is missed until the
// next one). When the changed file cannot be read, lookups fail, naming
// the line, until it is mended: the contents read before are not used, so
// a status is never answered from a file known to be stale.
type File struct {
	path string

	mu    sync.Mutex
	stamp stamp                  // of the file last read
	apps  map[string]Application // by number
	err   error                  // why the file last read could not be; apps is then nil
}

// stamp is what tells that a file has changed.
type stamp struct {
	size int64
	mod  time.Time
}

// OpenFile reads the register in the CSV file at path.
func OpenFile(path string) (*File, error) {
	f := &File{path: path}
	if err := f.reload(); err != nil {
		return nil, err
	}
	return f, nil
}

// Lookup returns the application numbered number, reading the file again
// first if it has changed.
func (f *File) Lookup(ctx context.Context, number string) (Application, error) {
	if err := checkNumber(number); err != nil {
		return Application{}, err
	}
	if err := ctx.Err(); err != nil {
		return Application{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.reload(); err != nil {
		return Application{}, err
	}
	app, ok := f.apps[number]
	if !ok {
		return Application{}, ErrUnknown
	}
	return app, nil
}

// reload reads the file when it has changed since it was last read, and
// returns why it cannot be read, if it cannot.
func (f *File) reload() error {
	fi, err := os.Stat(f.path)
	if err != nil {
		f.apps, f.err, f.stamp = nil, fmt.Errorf("applications: %w", err), stamp{}
		return f.err
	}
	now := stamp{size: fi.Size(), mod: fi.ModTime()}
	if now.size == f.stamp.size && now.mod.Equal(f.stamp.mod) && (f.apps != nil || f.err != nil) {
		return f.err
	}
	b, err := os.ReadFile(f.path)
	if err != nil {
		f.apps, f.err = nil, fmt.Errorf("applications: %w", err)
	} else if f.apps, err = parseCSV(bytes.NewReader(b)); err != nil {
		f.apps, f.err = nil, fmt.Errorf("applications: %s: %w", f.path, err)
	} else {
		f.err = nil
	}
	f.stamp = now
	return f.err
}

// parseCSV reads a register written as File describes. Its errors name
// the line and the column, never a value but a status cut short.
func parseCSV(r io.Reader) (map[string]Application, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	col := map[string]int{"number": 0, "status": 1, "email": 2}
	apps := map[string]Application{}
	lines := map[string]int{} // number → line
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return apps, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("line %d: %v", pe.StartLine, pe.Err)
			}
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if first {
			rec[0] = strings.TrimPrefix(rec[0], "\uFEFF")
			if header, ok := readHeader(rec); ok {
				col = header
				continue
			}
			if len(rec) != 3 {
				return nil, fmt.Errorf("line %d: %d columns, want number,status,email (or a header naming them)", line, len(rec))
			}
		}
		get := func(name string) string { return strings.TrimSpace(rec[col[name]]) }
		app := Application{Number: get("number"), Status: Status(strings.ToLower(get("status"))), Email: get("email")}
		switch {
		case app.Number == "":
			return nil, fmt.Errorf("line %d: no number", line)
		case checkNumber(app.Number) != nil:
			return nil, fmt.Errorf("line %d: the number is not one Lookup can be asked for", line)
		case !app.Status.Valid():
			return nil, fmt.Errorf("line %d: status %q, want in_progress, approved or rejected", line, cut(get("status"), 32))
		case app.Email == "":
			return nil, fmt.Errorf("line %d: no email", line)
		case !strings.Contains(app.Email, "@"):
			return nil, fmt.Errorf("line %d: the email is not an address", line)
		}
		if before, ok := lines[app.Number]; ok {
			return nil, fmt.Errorf("line %d: the number of line %d again", line, before)
		}
		lines[app.Number] = line
		apps[app.Number] = app
	}
}

// readHeader reads rec as a header: the columns of number, status and
// email, each present once.
func readHeader(rec []string) (map[string]int, bool) {
	col := map[string]int{}
	for i, name := range rec {
		name = strings.ToLower(strings.TrimSpace(name))
		if _, dup := col[name]; dup && (name == "number" || name == "status" || name == "email") {
			return nil, false
		}
		col[name] = i
	}
	for _, name := range []string{"number", "status", "email"} {
		if _, ok := col[name]; !ok {
			return nil, false
		}
	}
	return col, true
}
