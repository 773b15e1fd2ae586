package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
)

// The search index is blind: it holds no word, only a keyed hash of each
// term (words.go), so that a database whose letters are sealed does not
// give their words away through the index. A token is the first 8 bytes of
// HMAC-SHA256(index key, kind byte || normalised text); 64 bits make two
// terms of one store share a token practically never.
//
// The index key is derived from the store's data key (keys.go) with
// HMAC-SHA256 and a label, so it is not the key that seals letters, and a
// new master key (RotateKeyFile) leaves it as it is; a store upgraded from
// sealing with its key file directly has that key as its data key, so its
// index stays valid too. Without a key it is a fixed key written in this
// file: such an index only keeps
// words from being read off the file at a glance; anyone can hash a
// dictionary with the same key and find which tickets hold which word.
//
// Another data key (a store given a key for the first time) makes every
// token of the index wrong. The store keeps
// a fingerprint of the index key it was built with (a hash of it, never
// the key) and refuses to search an index built with another
// (ErrSearchIndexStale) until Reindex has rebuilt it.

// indexKeyLabel is what the data key is hashed with to give the index
// key; publicIndexKeyText, what gives the index key of a store without a
// key.
const (
	indexKeyLabel      = "ticketd search index v1"
	publicIndexKeyText = "ticketd search index v1: public key of stores without a key; it protects nothing"
)

// blindIndex hashes terms into tokens with one index key.
type blindIndex struct {
	key         []byte
	fingerprint string // what search_index.key_fingerprint holds for this key
}

// newBlindIndex returns the blind index of a store whose data key is
// storeKey, or of a store without a key when storeKey is nil.
func newBlindIndex(storeKey []byte) *blindIndex {
	var key []byte
	if storeKey == nil {
		sum := sha256.Sum256([]byte(publicIndexKeyText))
		key = sum[:]
	} else {
		m := hmac.New(sha256.New, storeKey)
		m.Write([]byte(indexKeyLabel))
		key = m.Sum(nil)
	}
	fp := sha256.Sum256(append([]byte("ticketd search index key fingerprint\x00"), key...))
	return &blindIndex{key: key, fingerprint: hex.EncodeToString(fp[:16])}
}

// tokenHasher hashes terms with one index key. It is not safe for
// concurrent use: each caller takes its own (blindIndex.hasher).
type tokenHasher struct {
	mac hash.Hash
	buf []byte
	sum []byte
}

func (ix *blindIndex) hasher() *tokenHasher {
	return &tokenHasher{mac: hmac.New(sha256.New, ix.key)}
}

// hash returns the token of t.
func (h *tokenHasher) hash(t term) uint64 {
	h.mac.Reset()
	h.buf = append(append(h.buf[:0], byte(t.kind)), t.text...)
	h.mac.Write(h.buf)
	h.sum = h.mac.Sum(h.sum[:0])
	return binary.BigEndian.Uint64(h.sum)
}

// hashes returns the tokens of ts, sorted, each once.
func (h *tokenHasher) hashes(ts terms) []uint64 {
	out := make([]uint64, 0, len(ts))
	for t := range ts {
		out = append(out, h.hash(t))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// tokenText is a token as the full-text table holds it: 13 characters of
// lower-case base32 (RFC 4648 alphabet), which every SQLite tokenizer
// keeps as one token.
func tokenText(tok uint64) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	var b [13]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = alphabet[tok&31]
		tok >>= 5
	}
	return string(b[:])
}

// document is the text of a ticket's row in the full-text table: its
// tokens, separated by spaces.
func document(toks []uint64) string {
	var b strings.Builder
	b.Grow(len(toks) * 14)
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tokenText(t))
	}
	return b.String()
}

// matchExpression is the full-text query that every one of toks matches.
func matchExpression(toks []uint64) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(`"` + tokenText(t) + `"`)
	}
	return b.String()
}

// pack is the tokens of a ticket as ticket_terms keeps them: 8 bytes each,
// big-endian, in order. unpack reads them back.
func pack(toks []uint64) []byte {
	b := make([]byte, 0, 8*len(toks))
	for _, t := range toks {
		b = binary.BigEndian.AppendUint64(b, t)
	}
	return b
}

func unpack(b []byte) []uint64 {
	toks := make([]uint64, len(b)/8)
	for i := range toks {
		toks[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	return toks
}

// tokenBytes is one token as pack writes it: what instr looks for in
// ticket_terms.
func tokenBytes(tok uint64) []byte { return binary.BigEndian.AppendUint64(nil, tok) }

// union returns the sorted tokens of a and b (both sorted), each once,
// and how many of b were not in a.
func union(a, b []uint64) ([]uint64, int) {
	out := make([]uint64, 0, len(a)+len(b))
	added := 0
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
			added++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out, added
}
