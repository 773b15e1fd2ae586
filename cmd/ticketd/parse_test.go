package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestParseEverySample runs "ticketd parse" on every letter in testdata/ and
// compares the JSON with a golden file, so a change in what ticketd reads
// shows up in review.
func TestParseEverySample(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "mail", "*.eml"))
	if len(files) == 0 {
		t.Fatal("no sample letters")
	}
	keys := []string{"message_id", "from", "subject", "date", "account_number", "description", "priority",
		"priority_reason", "auto_submitted", "attachments", "full_name", "application_number", "phone",
		"category", "personal_data", "language", "auto_kind", "text"}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		t.Run(name, func(t *testing.T) {
			var out, errb strings.Builder
			if code := Main(t.Context(), []string{"parse", f}, &out, &errb); code != 0 {
				t.Fatalf("ticketd parse %s: exit %d: %s", f, code, errb.String())
			}
			var fields map[string]any
			if err := json.Unmarshal([]byte(out.String()), &fields); err != nil {
				t.Fatalf("ticketd parse %s printed invalid JSON: %v", f, err)
			}
			for _, k := range keys {
				if _, ok := fields[k]; !ok {
					t.Errorf("ticketd parse %s: no %q", f, k)
				}
			}
			golden := filepath.Join("testdata", "parse", name+".json")
			if *update {
				os.WriteFile(golden, []byte(out.String()), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (go test -update): %v", err)
			}
			if out.String() != string(want) {
				t.Errorf("ticketd parse %s =\n%s\nwant\n%s", f, out.String(), want)
			}
		})
	}
}

func TestParseUnreadableBytes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "junk.eml")
	os.WriteFile(p, []byte("\x00\xff\xfe not a letter at all \x1b[31m"), 0o644)
	var out, errb strings.Builder
	if code := Main(t.Context(), []string{"parse", p}, &out, &errb); code != 0 {
		t.Fatalf("ticketd parse junk: exit %d: %s", code, errb.String())
	}
	if !json.Valid([]byte(out.String())) {
		t.Errorf("ticketd parse junk printed invalid JSON: %s", out.String())
	}
}

func TestParseMissingFile(t *testing.T) {
	var errb strings.Builder
	if code := Main(t.Context(), []string{"parse", "/nonexistent.eml"}, &strings.Builder{}, &errb); code != exitFail {
		t.Errorf("exit = %d, want %d", code, exitFail)
	}
	if !strings.Contains(errb.String(), "/nonexistent.eml") {
		t.Errorf("stderr %q does not name the file", errb.String())
	}
}
