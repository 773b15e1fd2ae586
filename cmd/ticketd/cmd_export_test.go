package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	auditor "github.com/ticketd/ticketd/audit" // the test helper audit (faults_helpers_test.go) has the name
	"github.com/ticketd/ticketd/store"
)

// The store the CLI opens is what an export reads.
var _ auditor.Source = (*store.DB)(nil)

// TestExportCommand exports from a sealed store, checks the export with
// "audit verify-export", and refuses what it must.
func TestExportCommand(t *testing.T) {
	t.Setenv("TICKETD_OPERATOR", "")
	t.Setenv("USER", "")
	ctx := t.Context()
	config, path := usersConfig(t, true)
	db, err := openConfigured(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	letters := map[string][]byte{}
	for _, mid := range []string{"a@example.ru", "b@example.ru"} {
		raw := []byte("From: ivan@example.ru\r\nMessage-ID: <" + mid + ">\r\nSubject: hello\r\n\r\nletter " + mid + "\r\n")
		letters[mid] = raw
		if _, err := db.Ingest(ctx, store.Inbound{Raw: raw, MessageID: mid, FromAddress: "ivan@example.ru",
			Ticket: store.Ticket{Subject: "hello", CitizenAddress: "ivan@example.ru"}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "TKT-000001.zip")

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"export", "TKT-000001", "-operator", "olga"}, "-o FILE.zip is required"},
		{"no operator", []string{"export", "TKT-000001", "-o", out}, "-operator is required"},
		{"a ticket and a sender", []string{"export", "TKT-000001", "-sender", "ivan@example.ru", "-o", out, "-operator", "olga"}, "want one ticket number"},
	} {
		if _, errb, code := run(t, append(tc.args, "-config", config)...); code != exitUsage || !strings.Contains(errb, tc.want) {
			t.Errorf("%s: exit %d, %q; want usage and %q", tc.name, code, errb, tc.want)
		}
	}

	stdout, errb, code := run(t, "export", "tkt-000001", "-o", out, "-operator", "olga", "-config", config)
	if code != 0 || !strings.Contains(stdout, "exported TKT-000001 to "+out) || !strings.Contains(stdout, "1 letters, 0 files") {
		t.Fatalf("export: exit %d: %q %q", code, stdout, errb)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the export's file: %v, %v; want it readable by its owner only", fi.Mode(), err)
	}
	if _, err := os.Stat(out + ".tmp"); err == nil {
		t.Error("the temporary file is left behind")
	}
	if got := zipEntry(t, out, "letters/TKT-000001/0001-in.eml"); !bytes.Equal(got, letters["a@example.ru"]) {
		t.Errorf("the exported letter = %q, want the letter as it came (the store seals it)", got)
	}
	if stdout, errb, code := run(t, "audit", "verify-export", out); code != 0 || !strings.HasSuffix(stdout, "ok\n") {
		t.Errorf("audit verify-export: exit %d: %q %q", code, stdout, errb)
	}

	before, _ := os.ReadFile(out)
	if _, errb, code := run(t, "export", "-sender", "ivan@example.ru", "-o", out, "-operator", "olga", "-config", config); code != exitFail || !strings.Contains(errb, "give -force") {
		t.Errorf("export over an existing file: exit %d, %q; want it refused", code, errb)
	}
	if after, _ := os.ReadFile(out); !bytes.Equal(before, after) {
		t.Error("a refused export changed the file")
	}
	if stdout, errb, code := run(t, "export", "-sender", "ivan@example.ru", "-o", out, "-operator", "olga", "-force", "-config", config); code != 0 || !strings.Contains(stdout, "TKT-000001, TKT-000002") {
		t.Fatalf("export -sender -force: exit %d: %q %q", code, stdout, errb)
	}
	if _, errb, code := run(t, "export", "TKT-000009", "-o", filepath.Join(dir, "none.zip"), "-operator", "olga", "-config", config); code != exitFail || !strings.Contains(errb, "not found") {
		t.Errorf("export of no ticket: exit %d, %q", code, errb)
	}

	db, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	reads, err := db.Reads(ctx, store.ReadFilter{Actor: "cli:olga"})
	db.Close()
	if err != nil || len(reads) != 3 { // TKT-000001 alone, then both as the sender's
		t.Errorf("reads by olga = %+v, %v; want 3 read.export", reads, err)
	}

	tampered := filepath.Join(dir, "tampered.zip")
	rewrite(t, out, tampered, "letters/TKT-000002/0001-in.eml", []byte("another letter"))
	stdout, errb, code = run(t, "audit", "verify-export", tampered)
	if code != exitFail || !strings.Contains(errb, "letters/TKT-000002/0001-in.eml: holds 14 bytes") || strings.Contains(stdout, "ok") {
		t.Errorf("audit verify-export of a tampered export: exit %d: %q %q; want 1 naming the letter", code, stdout, errb)
	}
}

// rewrite copies the zip archive from to to, with entry name's content
// replaced by data.
func rewrite(t *testing.T, from, to, name string, data []byte) {
	t.Helper()
	zr, err := zip.OpenReader(from)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			w.Write(data)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(w, rc)
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
