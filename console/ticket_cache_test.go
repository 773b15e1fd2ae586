package console

import (
	"strings"
	"testing"
)

func TestLetterCache(t *testing.T) {
	c := newLetterCache(1000)
	entry := func(sum string, n int) letterEntry {
		return letterEntry{key: letterKey{sum: sum, direction: "in", lang: "ru"}, text: strings.Repeat("x", n)}
	}
	c.put(entry("a", 100))
	c.put(entry("b", 100))
	if _, ok := c.get(letterKey{sum: "a", direction: "in", lang: "ru"}); !ok {
		t.Fatal("a not kept")
	}
	if _, ok := c.get(letterKey{sum: "a", direction: "in", lang: "en"}); ok {
		t.Error("a found in another language")
	}
	c.put(entry("big", 300)) // more than a quarter: not kept
	if _, ok := c.get(letterKey{sum: "big", direction: "in", lang: "ru"}); ok {
		t.Error("an entry over a quarter of the bound was kept")
	}
	for _, s := range []string{"c", "d", "e", "f", "g"} {
		c.put(entry(s, 150))
	}
	// a was used last before c…g: b goes first, then a.
	if _, ok := c.get(letterKey{sum: "b", direction: "in", lang: "ru"}); ok {
		t.Error("b, the least recently used, was kept")
	}
	if c.size > c.max {
		t.Errorf("size %d over the bound %d", c.size, c.max)
	}
	if e, ok := c.get(letterKey{sum: "g", direction: "in", lang: "ru"}); !ok || len(e.text) != 150 {
		t.Error("g, the newest, not kept whole")
	}
}
