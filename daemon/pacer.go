package daemon

import (
	"runtime/debug"
	"sync"
)

// DefaultLeanGCPercent is the garbage collector's target (GOGC) while a
// large letter is read: the heap may grow by a quarter of what is live
// before it is collected, instead of doubling.
const DefaultLeanGCPercent = 25

// Pacer lowers the garbage collector's target while large letters are
// read. A spooled letter passes through memory a piece and a file at a
// time, all of it garbage soon after; under the default target (GOGC=100)
// the heap grows to twice what is live before the collector runs, and for
// a 25 MB letter that growth, not what was held, was most of the peak. The
// collector then runs more often, for large letters only: small ones are
// read under the process's own target.
//
// The target is the process's, so one Pacer serves every Daemon of a
// process. A nil *Pacer changes nothing.
type Pacer struct {
	Percent int // target while a large letter is read; 0 means DefaultLeanGCPercent

	mu       sync.Mutex
	inFlight int
	was      int // the target before the first large letter in flight
}

// enter lowers the target for one large letter and returns what restores
// it once the letter is done (the last letter in flight restores the
// target the process had).
func (p *Pacer) enter() (leave func()) {
	if p == nil {
		return func() {}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inFlight == 0 {
		was := debug.SetGCPercent(orDefault(p.Percent, DefaultLeanGCPercent))
		if was >= 0 && was < orDefault(p.Percent, DefaultLeanGCPercent) {
			debug.SetGCPercent(was) // the process is leaner already
		}
		p.was = was
	}
	p.inFlight++
	var once sync.Once
	return func() { once.Do(p.leave) }
}

func (p *Pacer) leave() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inFlight--; p.inFlight == 0 {
		debug.SetGCPercent(p.was)
	}
}
