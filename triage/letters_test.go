package triage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// labelledLetter is one of the first labelled letters (package labelled,
// letters/NNN-name.txt), for the tests that feed letters to Extract.
type labelledLetter struct {
	name          string
	subject, text string
}

// loadLetters reads labelled/letters/NNN-name.txt: the subject on the first
// line, a blank line, then the body. Package labelled measures them against
// their labels; here they are inputs.
func loadLetters(tb testing.TB) []labelledLetter {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("labelled", "letters", "*.txt"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no letters in labelled/letters: %v", err)
	}
	letters := make([]labelledLetter, 0, len(paths))
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		subject, body, ok := strings.Cut(string(data), "\n\n")
		if !ok {
			tb.Fatalf("%s: no blank line after the subject", path)
		}
		letters = append(letters, labelledLetter{name: strings.TrimSuffix(filepath.Base(path), ".txt"), subject: subject, text: body})
	}
	return letters
}
