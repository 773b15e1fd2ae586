package mailparse

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParseCorpus parses every message of the real-world corpus once
// per iteration.
func BenchmarkParseCorpus(b *testing.B) {
	dir, entries := loadCorpus(b)
	var (
		msgs  [][]byte
		total int64
	)
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.path))
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, raw)
		total += int64(len(raw))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range msgs {
			Parse(raw, nil)
		}
	}
}

// BenchmarkParseTypical parses a typical 15 KB Russian letter: an Outlook
// reply in windows-1251 with plain and HTML bodies, quoted history and a
// photo.
func BenchmarkParseTypical(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "outlook-typical-ru-reply.eml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		Parse(raw, nil)
	}
}
