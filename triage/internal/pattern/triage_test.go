package pattern

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// The filters are checked on what they serve: the rules of package triage,
// its labelled letters and its fuzz seeds, read from triage's own files so
// that a rule added there is checked here.

// triageDir is package triage, relative to this package.
const triageDir = "../.."

// triageRules are the rules of package triage, compiled as triage compiles
// them.
type triageRules struct {
	normalised []*Pattern // matched against normalised text: rules.toml's, then personal.go's
	index      *Index     // of the normalised rules of rules.toml, as triage's Rules.index
	written    []*Pattern // matched against text as written: the name rules, each list as one alternation
	names      *Index     // of written
}

// The keys of triage's rules.toml that hold rules: matched against
// normalised text, each on its own, or against text as written, each list as
// one case-insensitive alternation.
var (
	normalisedKeys = []string{"patterns", "triggers", "exceptions", "resolutions", "pattern"}
	writtenKeys    = []string{"labels", "intros", "signoffs"}
)

// loadTriageRules compiles triage's rules.toml and the identifier patterns of
// its personal.go.
func loadTriageRules(tb testing.TB) *triageRules {
	tb.Helper()
	var doc map[string]any
	if _, err := toml.DecodeFile(filepath.Join(triageDir, "rules.toml"), &doc); err != nil {
		tb.Fatal(err)
	}
	macros := map[string]string{}
	for name, body := range doc["macros"].(map[string]any) {
		macros[name] = body.(string)
	}
	srcs := map[string][]string{}
	collectStrings(doc, "", srcs)

	var r triageRules
	for _, key := range normalisedKeys {
		for _, src := range srcs[key] {
			p, err := Compile(src, macros)
			if err != nil {
				tb.Fatalf("rules.toml %s %q: %v", key, src, err)
			}
			r.normalised = append(r.normalised, p)
		}
	}
	if len(r.normalised) == 0 {
		tb.Fatalf("no rules in rules.toml under %v", normalisedKeys)
	}
	r.index = NewIndex(false, r.normalised...)
	for _, src := range personalPatterns(tb) {
		p, err := Compile(src, nil)
		if err != nil {
			tb.Fatalf("personal.go %q: %v", src, err)
		}
		r.normalised = append(r.normalised, p)
	}
	for _, key := range writtenKeys {
		parts := make([]string, len(srcs[key]))
		for i, src := range srcs[key] {
			parts[i] = "(?:" + src + ")"
		}
		p, err := CompileFolded(strings.Join(parts, "|"), macros)
		if err != nil {
			tb.Fatalf("rules.toml %s: %v", key, err)
		}
		r.written = append(r.written, p)
	}
	r.names = NewIndex(true, r.written...)
	return &r
}

// collectStrings adds to srcs, under the key that holds it, every string of
// the TOML value v, which is held by key.
func collectStrings(v any, key string, srcs map[string][]string) {
	switch v := v.(type) {
	case string:
		srcs[key] = append(srcs[key], v)
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			collectStrings(v[k], k, srcs)
		}
	case []map[string]any:
		for _, x := range v {
			collectStrings(x, key, srcs)
		}
	case []any:
		for _, x := range v {
			collectStrings(x, key, srcs)
		}
	}
}

// personalPatterns returns the identifier patterns of triage's personal.go:
// the string given to each mustPattern call.
func personalPatterns(tb testing.TB) []string {
	tb.Helper()
	path := filepath.Join(triageDir, "personal.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		tb.Fatal(err)
	}
	var srcs []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if fn, ok := call.Fun.(*ast.Ident); !ok || fn.Name != "mustPattern" {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			tb.Fatalf("%s: mustPattern called with %T, want a string literal", path, call.Args[0])
		}
		src, err := strconv.Unquote(lit.Value)
		if err != nil {
			tb.Fatal(err)
		}
		srcs = append(srcs, src)
		return true
	})
	if len(srcs) == 0 {
		tb.Fatalf("%s: no mustPattern calls", path)
	}
	return srcs
}

// letter is a labelled letter of triage's labelled/letters, or a fuzz seed.
type letter struct{ subject, text string }

// triageLetters reads triage's labelled/letters: NNN-name.txt holds the
// subject on its first line, a blank line, then the body.
func triageLetters(tb testing.TB) []letter {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(triageDir, "labelled", "letters", "*.txt"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no letters in %s/labelled/letters: %v", triageDir, err)
	}
	var letters []letter
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		subject, text, ok := strings.Cut(string(data), "\n\n")
		if !ok {
			tb.Fatalf("%s: no blank line after the subject", path)
		}
		letters = append(letters, letter{subject, text})
	}
	return letters
}

// triageSeeds reads the seeds of triage's FuzzExtract: files in the go test
// fuzz v1 format holding a subject and a text.
func triageSeeds(tb testing.TB) []letter {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(triageDir, "testdata", "fuzz", "FuzzExtract", "*"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no seeds in %s/testdata/fuzz/FuzzExtract: %v", triageDir, err)
	}
	var seeds []letter
	for _, path := range paths {
		values, err := readFuzzSeed(path)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if len(values) != 2 {
			tb.Fatalf("%s: %d values, want subject and text", path, len(values))
		}
		seeds = append(seeds, letter{values[0], values[1]})
	}
	return seeds
}

// readFuzzSeed reads the string values of a file in the go test fuzz v1
// format.
func readFuzzSeed(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if lines[0] != "go test fuzz v1" {
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

// lower writes s about as triage normalises a letter before the rules read
// it: in lower case, with ё as е. The filters must keep every match on any
// text; this only makes the texts look like those the rules see.
func lower(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "ё", "е")
}

// joinSubject joins a subject and a text into one document as triage does.
func joinSubject(subject, text string) string {
	subject = strings.TrimSpace(subject)
	if subject == "" {
		return text
	}
	return subject + ".\n" + text
}
