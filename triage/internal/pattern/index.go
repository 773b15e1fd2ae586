package pattern

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// An Index lets one pass over a text find, for many rules at once, the
// starts where the text begins as a match of that rule must (see
// prefixSet). Without it every rule would compare every start of the text on
// its own. The rules' prefixes are filed under their first rune, or their
// first two: a start looks up only the prefixes filed under its own runes.
//
// An index that folds holds rules that match case-insensitively, with their
// prefixes as foldRune writes them, and compares the runes of a text written
// the same way.
type Index struct {
	fold    bool
	firsts  runeBits             // the first runes of singles and pairs
	pairs   map[uint64][]ixEntry // by the first two runes of a prefix
	singles map[rune][]ixEntry   // by the rune of a one-rune prefix or of a lead
	width   int                  // bytes of the longest prefix
	slots   int                  // rules in the index, numbered from 0
}

// An ixEntry is how one rule may begin at a start with the runes it is filed
// under.
type ixEntry struct {
	slot  int32
	whole bool     // those runes are a whole prefix: nothing more to compare
	strs  []string // the text there begins with one of these
	lead  []rune   // or, when not nil, with a run of lead runes and then one of led
	led   strs
	ledAt []rune // the first runes of led, sorted
}

// NewIndex builds the index of the patterns that have literal prefixes and
// fold case when fold does (CompileFolded, or a rule with a capital letter),
// and gives each of them its slot; nil patterns are passed over. A pattern
// belongs to one index at most: one already in an index is left out of
// this one. Each uses the index on a Text made by its Scan.
func NewIndex(fold bool, patterns ...*Pattern) *Index {
	ix := &Index{fold: fold, pairs: make(map[uint64][]ixEntry), singles: make(map[rune][]ixEntry)}
	for _, p := range patterns {
		if p == nil || p.prefixes == nil || p.prefixes.fold != fold || p.index != nil {
			continue
		}
		p.index, p.slot = ix, ix.slots
		ix.slots++
		ps := p.prefixes
		ix.width = max(ix.width, ps.width)
		file := func(s string) {
			r0, n := utf8.DecodeRuneInString(s)
			ix.firsts.add(r0)
			if n == len(s) {
				ix.singles[r0] = fileString(ix.singles[r0], p.slot, "")
				return
			}
			r1, _ := utf8.DecodeRuneInString(s[n:])
			key := runePair(r0, r1)
			ix.pairs[key] = fileString(ix.pairs[key], p.slot, s)
		}
		for _, s := range ps.plain {
			file(s)
		}
		for _, s := range ps.led {
			file(s) // a run of no lead runes
		}
		for _, r := range ps.lead {
			ix.firsts.add(r)
			ix.singles[r] = append(ix.singles[r], ixEntry{slot: int32(p.slot), lead: ps.lead, led: ps.led, ledAt: leadingRunes(ps.led)})
		}
	}
	return ix
}

// fileString adds s to the entry of slot in es, or to a new entry; s == ""
// says that the runes filed under are a whole prefix.
func fileString(es []ixEntry, slot int, s string) []ixEntry {
	i := slices.IndexFunc(es, func(e ixEntry) bool { return e.slot == int32(slot) && e.lead == nil })
	if i < 0 {
		es = append(es, ixEntry{slot: int32(slot)})
		i = len(es) - 1
	}
	if s == "" {
		es[i].whole = true
	} else {
		es[i].strs = append(es[i].strs, s)
	}
	return es
}

// leadingRunes returns the first runes of ss, sorted, without repeats.
func leadingRunes(ss strs) []rune {
	var rs []rune
	for _, s := range ss {
		r, _ := utf8.DecodeRuneInString(s)
		rs = append(rs, r)
	}
	slices.Sort(rs)
	return slices.Compact(rs)
}

// runePair is the key of two runes in Index.pairs.
func runePair(r0, r1 rune) uint64 { return uint64(uint32(r0))<<32 | uint64(uint32(r1)) }

// begins reports whether rest, the text from a start on, begins as e says.
// In an index that folds, head holds rest written as foldRune gives it, once
// it is needed.
func (ix *Index) begins(e *ixEntry, rest string, head *foldedHead) bool {
	switch {
	case e.lead != nil:
		rest = skipRunes(rest, e.lead, ix.fold)
		r, _ := utf8.DecodeRuneInString(rest)
		if ix.fold {
			r = foldRune(r)
		}
		if _, found := slices.BinarySearch(e.ledAt, r); !found {
			return false
		}
		if ix.fold {
			var buf [128]byte
			return e.led.beginsBytes(foldHead(buf[:0], rest, ix.width))
		}
		return e.led.begins(rest)
	case e.whole:
		return true
	}
	if ix.fold {
		b := head.of(rest, ix.width)
		for _, s := range e.strs {
			if len(b) >= len(s) && string(b[:len(s)]) == s {
				return true
			}
		}
		return false
	}
	for _, s := range e.strs {
		if strings.HasPrefix(rest, s) {
			return true
		}
	}
	return false
}

// foldedHead is the beginning of the text from a start on, written as
// foldRune gives it, made on first use.
type foldedHead struct {
	buf  [128]byte
	head []byte
	done bool
}

// of returns the first width bytes or more of rest, folded.
func (h *foldedHead) of(rest string, width int) []byte {
	if !h.done {
		h.head, h.done = foldHead(h.buf[:0], rest, width), true
	}
	return h.head
}

// Scan lists the starts of s, as the function Scan does, and for each rule
// of the index the starts where it may match.
func (ix *Index) Scan(s string) *Text {
	if ix == nil || ix.slots == 0 {
		return Scan(s)
	}
	t := &Text{s: s, index: ix}
	t.starts = make([]int, 0, len(s)/4+8)
	t.runes = make([]rune, 0, len(s)/4+8)
	// Each hit is a slot in the high half and a start in the low half.
	hits := make([]uint64, 0, len(s)/4+8)
	counts := make([]int32, ix.slots+1)
	var head foldedHead
	prevWord := false
	for pos, r := range s {
		word := IsWordRune(r)
		if word && prevWord {
			continue
		}
		prevWord = word
		i := len(t.starts)
		t.starts = append(t.starts, pos)
		t.runes = append(t.runes, r)
		r0 := r
		if ix.fold {
			r0 = foldRune(r0)
		}
		if !ix.firsts.has(r0) {
			continue
		}
		head.done = false
		for j, es := 0, ix.singles[r0]; j < len(es); j++ {
			if ix.begins(&es[j], s[pos:], &head) {
				hits = append(hits, uint64(es[j].slot)<<32|uint64(i))
				counts[es[j].slot+1]++
			}
		}
		if n := pos + utf8.RuneLen(r); r != utf8.RuneError && n < len(s) {
			r1, _ := utf8.DecodeRuneInString(s[n:])
			if ix.fold {
				r1 = foldRune(r1)
			}
			for j, es := 0, ix.pairs[runePair(r0, r1)]; j < len(es); j++ {
				if ix.begins(&es[j], s[pos:], &head) {
					hits = append(hits, uint64(es[j].slot)<<32|uint64(i))
					counts[es[j].slot+1]++
				}
			}
		}
	}
	// Sort the hits by slot, keeping the starts of each slot in order. After
	// the prefix sums counts[k] is where slot k begins; placing the hits
	// moves it to where slot k ends, which is where slot k+1 begins.
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	t.cands = make([]int32, len(hits))
	for _, h := range hits {
		slot := h >> 32
		t.cands[counts[slot]] = int32(uint32(h))
		counts[slot]++
	}
	t.candEnd = counts[:ix.slots]
	return t
}

// candidates returns the indexes of the starts of t where p may match, in
// order, and ok == false when t was not scanned with p's index: then every
// start is a candidate, and p must check its prefixes itself.
func (t *Text) candidates(p *Pattern) (starts []int32, ok bool) {
	if p.index == nil || t.index != p.index {
		return nil, false
	}
	lo := int32(0)
	if p.slot > 0 {
		lo = t.candEnd[p.slot-1]
	}
	c := t.cands[lo:t.candEnd[p.slot]]
	if t.first > 0 || len(c) > 0 && int(c[len(c)-1]) >= t.first+len(t.starts) {
		a, _ := slices.BinarySearch(c, int32(t.first))
		b, _ := slices.BinarySearch(c, int32(t.first+len(t.starts)))
		c = c[a:b]
	}
	return c, true
}

// Part returns the part of t from byte from to byte to as if it had been
// scanned on its own: from must be a start of t, or its end. The starts of
// a text after a rune that is not part of a word do not depend on what
// comes before it, and the candidates of t hold those of the part (each is
// where the text begins as a prefix, and the part's text is a prefix of
// t's from there on).
func (t *Text) Part(from, to int) *Text {
	i0, _ := slices.BinarySearch(t.starts, t.off+from)
	i1, _ := slices.BinarySearch(t.starts, t.off+to)
	return &Text{
		s: t.s[from:to], starts: t.starts[i0:i1], runes: t.runes[i0:i1],
		index: t.index, candEnd: t.candEnd, cands: t.cands,
		off: t.off + from, first: t.first + i0, whole: t.root(),
	}
}

// runeBits is a set of runes, a bitmap for those below lowRunes.
type runeBits struct {
	low  lowRuneBits
	high map[rune]bool
}

// add puts r in the set.
func (b *runeBits) add(r rune) {
	if r >= 0 && r < lowRunes {
		b.low[r/64] |= 1 << (r % 64)
		return
	}
	if b.high == nil {
		b.high = make(map[rune]bool)
	}
	b.high[r] = true
}

// has reports whether r is in the set.
func (b *runeBits) has(r rune) bool {
	if r >= 0 && r < lowRunes {
		return b.low[r/64]&(1<<(r%64)) != 0
	}
	return b.high[r]
}
