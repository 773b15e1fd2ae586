package console

import (
	"container/list"
	"sync"

	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/triage"
)

// letterCacheBytes bounds the text and HTML the letter cache holds.
const letterCacheBytes = 4 << 20

// letterCache keeps the views of letters recently shown, so that a page
// shown again (after every action, by Post/Redirect/Get) does not read
// and parse its letters again: a letter's bytes never change, so its view
// depends only on them (their SHA-256), its direction and how it is
// shown. It is bounded by the bytes of text and HTML it holds, and drops
// the least recently used first.
type letterCache struct {
	mu    sync.Mutex
	max   int
	size  int
	order *list.List // of *letterEntry, the most recently used first
	byKey map[letterKey]*list.Element
}

// letterKey names one view of one letter.
type letterKey struct {
	sum       string // the letter's SHA-256
	direction store.Direction
	images    bool   // remote images loaded
	lang      string // the placeholders' language
}

// letterEntry is what the cache keeps of a letter's view.
type letterEntry struct {
	key          letterKey
	text, quoted string
	html, note   string
	remoteImages int
	personal     []triage.PersonalData
}

func (e *letterEntry) size() int {
	return len(e.text) + len(e.quoted) + len(e.html) + len(e.note) + 64
}

func newLetterCache(max int) *letterCache {
	return &letterCache{max: max, order: list.New(), byKey: map[letterKey]*list.Element{}}
}

// get returns the entry of key, if the cache has it.
func (c *letterCache) get(key letterKey) (letterEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return letterEntry{}, false
	}
	c.order.MoveToFront(el)
	return *el.Value.(*letterEntry), true
}

// put keeps e, dropping the least recently used entries to stay within
// the bound; an entry larger than a quarter of it is not kept.
func (c *letterCache) put(e letterEntry) {
	n := e.size()
	if n > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[e.key]; ok {
		return
	}
	c.byKey[e.key] = c.order.PushFront(&e)
	c.size += n
	for c.size > c.max {
		last := c.order.Back()
		old := last.Value.(*letterEntry)
		c.order.Remove(last)
		delete(c.byKey, old.key)
		c.size -= old.size()
	}
}
