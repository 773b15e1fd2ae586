package triage

import "unicode/utf8"

// A startIndex lets one pass over a text find, for every rule of a Rules at
// once, the starts where that rule may match: those where the text begins
// with the first two runes of one of the rule's literal prefixes (or its one
// rune, for a prefix of one rune). Without it every rule would compare every
// start of the text on its own.
//
// A rule in the index is still tried only where the text begins with a whole
// prefix of it; the index only spares looking at the other starts.
type startIndex struct {
	pairs   map[uint64][]int32 // first two runes of a prefix → the slots of its rules
	singles map[rune][]int32   // a prefix of one rune → the slots of its rules
	slots   int                // rules in the index, numbered from 0
}

// newStartIndex builds the index of the rules that have literal prefixes and
// gives each of them its slot. A rule belongs to one index at most.
func newStartIndex(patterns []*pattern) *startIndex {
	ix := &startIndex{pairs: make(map[uint64][]int32), singles: make(map[rune][]int32)}
	for _, p := range patterns {
		if p == nil || p.prefixes == nil || p.index != nil {
			continue
		}
		p.index, p.slot = ix, ix.slots
		ix.slots++
		for _, pre := range p.prefixes {
			r0, n := utf8.DecodeRuneInString(pre)
			if n == len(pre) {
				ix.singles[r0] = appendSlot(ix.singles[r0], p.slot)
				continue
			}
			r1, _ := utf8.DecodeRuneInString(pre[n:])
			key := runePair(r0, r1)
			ix.pairs[key] = appendSlot(ix.pairs[key], p.slot)
		}
	}
	return ix
}

// appendSlot appends slot to slots unless it is already the last one: the
// prefixes of a rule come sorted, so those that share their first runes are
// added one after another.
func appendSlot(slots []int32, slot int) []int32 {
	if n := len(slots); n > 0 && slots[n-1] == int32(slot) {
		return slots
	}
	return append(slots, int32(slot))
}

// runePair is the key of two runes in startIndex.pairs.
func runePair(r0, r1 rune) uint64 { return uint64(uint32(r0))<<32 | uint64(uint32(r1)) }

// scan lists the starts of s, as scan does, and for each rule of the index
// the starts where it may match.
func (ix *startIndex) scan(s string) *scanned {
	t := scan(s)
	if ix == nil || ix.slots == 0 {
		return t
	}
	// Each hit is a slot in the high half and a start in the low half.
	var hits []uint64
	counts := make([]int32, ix.slots+1)
	for i, pos := range t.starts {
		r0, n := utf8.DecodeRuneInString(s[pos:])
		for _, slot := range ix.singles[r0] {
			hits = append(hits, uint64(slot)<<32|uint64(i))
			counts[slot+1]++
		}
		if pos+n < len(s) {
			r1, _ := utf8.DecodeRuneInString(s[pos+n:])
			for _, slot := range ix.pairs[runePair(r0, r1)] {
				hits = append(hits, uint64(slot)<<32|uint64(i))
				counts[slot+1]++
			}
		}
	}
	// Sort the hits by slot, keeping the starts of each slot in order.
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	t.index, t.candAt = ix, counts
	t.cands = make([]int32, len(hits))
	fill := make([]int32, ix.slots)
	copy(fill, counts)
	for _, h := range hits {
		slot := h >> 32
		t.cands[fill[slot]] = int32(uint32(h))
		fill[slot]++
	}
	return t
}

// candidates returns the indexes of the starts of t where p may match, in
// order, and ok == false when t was not scanned with p's index: then every
// start is a candidate.
func (t *scanned) candidates(p *pattern) (starts []int32, ok bool) {
	if p.index == nil || t.index != p.index {
		return nil, false
	}
	return t.cands[t.candAt[p.slot]:t.candAt[p.slot+1]], true
}
