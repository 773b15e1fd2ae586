package applications

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseCSV(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		want      map[string]Application // nil: an error
		wantErr   string
	}{
		{
			name: "no header",
			csv:  "2026-004512,approved,m.sidorova@example.ru\n2026-000001,in_progress,a@example.ru\n",
			want: map[string]Application{
				"2026-004512": {"2026-004512", StatusApproved, "m.sidorova@example.ru"},
				"2026-000001": {"2026-000001", StatusInProgress, "a@example.ru"},
			},
		},
		{
			name: "header, blank lines, comments, spaces, CRLF, case",
			csv:  "number,status,email\r\n\r\n# the demo's applications\r\n 2026-004512 , Rejected , m.sidorova@example.ru\r\n",
			want: map[string]Application{"2026-004512": {"2026-004512", StatusRejected, "m.sidorova@example.ru"}},
		},
		{
			name: "header in another order with more columns, and a BOM",
			csv:  "\uFEFFEmail,Number,Decided,STATUS\n\"a@example.ru\",12345,\"2026-11-20, late\",approved\n",
			want: map[string]Application{"12345": {"12345", StatusApproved, "a@example.ru"}},
		},
		{
			name: "BOM without a header",
			csv:  "\uFEFF12345,approved,a@example.ru\n",
			want: map[string]Application{"12345": {"12345", StatusApproved, "a@example.ru"}},
		},
		{name: "empty", csv: "", want: map[string]Application{}},
		{name: "only a header", csv: "number,status,email\n", want: map[string]Application{}},
		{name: "two columns", csv: "12345,approved\n", wantErr: "line 1: 2 columns, want number,status,email"},
		{name: "a row short", csv: "12345,approved,a@example.ru\n12346,approved\n", wantErr: "line 2: wrong number of fields"},
		{name: "unknown status", csv: "12345,одобрено,a@example.ru\n", wantErr: `line 1: status "одобрено", want in_progress, approved or rejected`},
		{name: "no number", csv: "12345,approved,a@example.ru\n ,approved,b@example.ru\n", wantErr: "line 2: no number"},
		{name: "a number with a space", csv: "123 45,approved,a@example.ru\n", wantErr: "line 1: the number is not one"},
		{name: "no email", csv: "12345,approved,\n", wantErr: "line 1: no email"},
		{name: "not an address", csv: "12345,approved,nobody\n", wantErr: "line 1: the email is not an address"},
		{name: "a number twice", csv: "# c\n12345,approved,a@example.ru\n12345,rejected,b@example.ru\n", wantErr: "line 3: the number of line 2 again"},
		{name: "a broken quote", csv: "12345,approved,\"a@example.ru\n", wantErr: "line 1:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCSV(strings.NewReader(tc.csv))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseCSV() error = %v, want %q", err, tc.wantErr)
				}
				for _, secret := range []string{"a@example.ru", "b@example.ru", "12345"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("parseCSV() error %q quotes %q", err, secret)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("parseCSV() error = %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("parseCSV() = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("parseCSV()[%q] = %+v, want %+v", k, got[k], v)
				}
			}
		})
	}
}

// writeFile writes content to path with the given modification time, so
// that a change is seen whatever the file system's timestamp granularity.
func writeFile(t *testing.T, path, content string, mod time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
}

func TestFileLookupAndReread(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "applications.csv")
	start := time.Now().Add(-time.Hour)
	writeFile(t, path, "number,status,email\n2026-004512,in_progress,m.sidorova@example.ru\n", start)
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Application{Number: "2026-004512", Status: StatusInProgress, Email: "m.sidorova@example.ru"}
	if got, err := f.Lookup(ctx, "2026-004512"); err != nil || got != want {
		t.Errorf("Lookup() = %+v, %v; want %+v", got, err, want)
	}
	if _, err := f.Lookup(ctx, "2026-999999"); !errors.Is(err, ErrUnknown) {
		t.Errorf("Lookup(unknown) error = %v, want ErrUnknown", err)
	}
	if _, err := f.Lookup(ctx, ""); !errors.Is(err, ErrBadNumber) {
		t.Errorf("Lookup(\"\") error = %v, want ErrBadNumber", err)
	}

	// The agency decides: the file changes, and the next lookup reads it.
	writeFile(t, path, "number,status,email\n2026-004512,approved,m.sidorova@example.ru\n2026-999999,rejected,x@example.ru\n", start.Add(time.Minute))
	want.Status = StatusApproved
	if got, err := f.Lookup(ctx, "2026-004512"); err != nil || got != want {
		t.Errorf("after the change Lookup() = %+v, %v; want %+v", got, err, want)
	}
	if got, err := f.Lookup(ctx, "2026-999999"); err != nil || got.Status != StatusRejected {
		t.Errorf("after the change Lookup(new) = %+v, %v; want rejected", got, err)
	}

	// Broken: lookups fail, naming the file and the line, and the old
	// contents are not used.
	writeFile(t, path, "number,status,email\n2026-004512,maybe,m.sidorova@example.ru\n", start.Add(2*time.Minute))
	if _, err := f.Lookup(ctx, "2026-004512"); err == nil || !strings.Contains(err.Error(), path+": line 2: status") {
		t.Errorf("with a broken file Lookup() error = %v, want one naming %s and line 2", err, path)
	}
	// Mended.
	writeFile(t, path, "2026-004512,rejected,m.sidorova@example.ru\n", start.Add(3*time.Minute))
	if got, err := f.Lookup(ctx, "2026-004512"); err != nil || got.Status != StatusRejected {
		t.Errorf("mended: Lookup() = %+v, %v; want rejected", got, err)
	}
	// Gone.
	os.Remove(path)
	if _, err := f.Lookup(ctx, "2026-004512"); err == nil || errors.Is(err, ErrUnknown) {
		t.Errorf("without the file Lookup() error = %v, want one saying so", err)
	}
}

func TestOpenFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenFile(filepath.Join(dir, "missing.csv")); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("OpenFile(missing) error = %v, want one naming the file", err)
	}
	bad := filepath.Join(dir, "bad.csv")
	writeFile(t, bad, "1,2,3,4\n", time.Now())
	if _, err := OpenFile(bad); err == nil || !strings.Contains(err.Error(), "bad.csv: line 1: 4 columns") {
		t.Errorf("OpenFile(bad) error = %v, want one naming the file and the line", err)
	}
}
