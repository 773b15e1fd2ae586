package attachments

import (
	"context"

	"golang.org/x/sync/semaphore"
)

// Gate bounds the memory that decoded images hold at once, across every
// check that shares it: a check waits at the gate until the bytes it is
// about to allocate (see Policy.MaxDecodeBytes) fit. An image larger than
// the whole gate, but within Policy.MaxDecodeBytes, waits until the gate is
// empty and is then decoded alone, holding all of it; it cannot wait
// forever, since the gate's semaphore serves waiters in order. A nil *Gate
// lets every image through at once.
type Gate struct {
	sem  *semaphore.Weighted
	size int64
}

// NewGate returns a gate for decoded images of size bytes in all.
func NewGate(size int64) *Gate {
	size = max(size, 1)
	return &Gate{sem: semaphore.NewWeighted(size), size: size}
}

// enter waits until n bytes fit through the gate, or ctx ends, and returns
// the function that lets them out again.
func (g *Gate) enter(ctx context.Context, n int64) (leave func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	n = min(max(n, 1), g.size)
	if err := g.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { g.sem.Release(n) }, nil
}
