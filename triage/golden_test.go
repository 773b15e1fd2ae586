package triage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/internal/corpus"
	"github.com/ticketd/ticketd/mailparse"
)

// updateGolden rewrites the golden files instead of comparing with them.
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden/*.jsonl from the current Extract")

// goldenCase is one input of the golden test.
type goldenCase struct {
	name          string
	subject, text string
	signature     string // also read by FullNameFromSignature when not ""
}

// goldenLine is what the golden files record for one case: every field of
// Extract, and the name FullNameFromSignature finds in the signature.
type goldenLine struct {
	Case          string `json:"case"`
	Fields        Fields `json:"fields"`
	SignatureName string `json:"signature_name,omitempty"`
}

// TestGolden pins the output of Extract on every labelled letter (as written,
// in capitals and without its subject), on the fuzz seeds and on every
// message of the shared mail corpus, so that a change meant to make Extract
// faster cannot change what it finds. After a change that is meant to change
// results, rewrite the files with go test -run Golden -update-golden.
func TestGolden(t *testing.T) {
	r := DefaultRules()
	sets := []struct {
		file  string
		cases func(testing.TB) []goldenCase
	}{
		{"letters.jsonl", goldenLetters},
		{"corpus.jsonl", goldenCorpus},
	}
	for _, set := range sets {
		t.Run(strings.TrimSuffix(set.file, ".jsonl"), func(t *testing.T) {
			path := filepath.Join("testdata", "golden", set.file)
			var out bytes.Buffer
			for _, c := range set.cases(t) {
				line := goldenLine{Case: c.name, Fields: r.Extract(c.subject, c.text)}
				if c.signature != "" {
					line.SignatureName = r.FullNameFromSignature(c.signature)
				}
				data, err := json.Marshal(line)
				if err != nil {
					t.Fatal(err)
				}
				out.Write(data)
				out.WriteByte('\n')
			}
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run Golden -update-golden to create it)", err)
			}
			compareGolden(t, path, out.Bytes(), want)
		})
	}
}

// compareGolden reports each line of got that differs from want.
func compareGolden(t *testing.T, path string, got, want []byte) {
	t.Helper()
	gotLines := strings.Split(string(got), "\n")
	wantLines := strings.Split(string(want), "\n")
	if len(gotLines) != len(wantLines) {
		t.Errorf("%s: %d lines, want %d", path, len(gotLines), len(wantLines))
	}
	bad := 0
	for i := range min(len(gotLines), len(wantLines)) {
		if gotLines[i] != wantLines[i] {
			if bad++; bad <= 20 {
				t.Errorf("%s:%d:\n got %s\nwant %s", path, i+1, gotLines[i], wantLines[i])
			}
		}
	}
	if bad > 20 {
		t.Errorf("%s: %d lines differ", path, bad)
	}
}

// goldenLetters returns the labelled letters, each also in capitals and
// without its subject, and the fuzz seeds.
func goldenLetters(tb testing.TB) []goldenCase {
	var cases []goldenCase
	for _, l := range loadLetters(tb) {
		cases = append(cases,
			goldenCase{name: l.name, subject: l.subject, text: l.text, signature: l.text},
			goldenCase{name: l.name + "/upper", subject: strings.ToUpper(l.subject), text: strings.ToUpper(l.text)},
			goldenCase{name: l.name + "/text", text: l.text},
		)
	}
	seeds, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzExtract", "*"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, path := range seeds {
		args, err := readFuzzSeed(path)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if len(args) != 2 {
			tb.Fatalf("%s: %d values, want subject and text", path, len(args))
		}
		cases = append(cases, goldenCase{name: "fuzz/" + filepath.Base(path), subject: args[0], text: args[1], signature: args[1]})
	}
	return cases
}

// readFuzzSeed reads the string values of a file in the go test fuzz v1
// format.
func readFuzzSeed(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) == 0 || lines[0] != "go test fuzz v1" {
		return nil, errors.New("not a go test fuzz v1 file")
	}
	var values []string
	for _, line := range lines[1:] {
		quoted, ok := strings.CutPrefix(line, "string(")
		if !ok || !strings.HasSuffix(quoted, ")") {
			return nil, fmt.Errorf("not a string value: %s", line)
		}
		v, err := strconv.Unquote(strings.TrimSuffix(quoted, ")"))
		if err != nil {
			return nil, fmt.Errorf("value %s: %w", line, err)
		}
		values = append(values, v)
	}
	return values, nil
}

// goldenCorpus returns every message of the shared mail corpus as the daemon
// reads it: the subject, and the citizen's description or else the whole
// text. The corpus lives outside the repository (../shared/corpus): a clone
// elsewhere has none, and the test is skipped, saying so; only CI (CI set)
// fails without it (corpus.Dir).
func goldenCorpus(tb testing.TB) []goldenCase {
	dir := corpus.Dir(tb)
	index, err := os.Open(filepath.Join(dir, corpus.Index))
	if err != nil {
		tb.Fatal(err)
	}
	defer index.Close()
	var cases []goldenCase
	sc := bufio.NewScanner(index)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		cols := strings.Split(sc.Text(), "\t")
		if first || len(cols) < 5 {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, cols[0]))
		if err != nil {
			tb.Fatal(err)
		}
		l, _ := mailparse.Parse(raw, nil)
		if l == nil {
			cases = append(cases, goldenCase{name: cols[0] + "/unparsed", text: string(raw)})
			continue
		}
		text := l.Description
		if strings.TrimSpace(text) == "" {
			text = l.Text
		}
		cases = append(cases,
			goldenCase{name: cols[0], subject: l.Subject, text: text, signature: l.Signature},
			goldenCase{name: cols[0] + "/text", subject: l.Subject, text: l.Text},
		)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return cases
}
