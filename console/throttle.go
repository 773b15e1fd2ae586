package console

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Throttling of failed sign-ins: after a number of free failures, each
// further failure closes the key (a user name, a client address) for twice
// as long as the one before, from lockBase up to lockMax. A key with no
// failure for forgetAfter starts over.
const (
	freeUserFailures = 5  // per user name
	freeAddrFailures = 20 // per client address: an office behind one NAT shares it
	lockBase         = time.Second
	lockMax          = 15 * time.Minute
	forgetAfter      = time.Hour
	maxStrikes       = 50000 // keys remembered; the oldest are forgotten first
)

// limiter counts failed sign-ins per key, in memory: a restart forgets
// them, which costs an attacker a restart of the daemon.
type limiter struct {
	now     func() time.Time
	mu      sync.Mutex
	strikes map[string]*strike
}

type strike struct {
	fails int
	last  time.Time // the latest failure
	until time.Time // closed until then
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, strikes: map[string]*strike{}}
}

// userKey and addrKey are the limiter's keys of a user name and of the
// client address of a request (RemoteAddr; an IPv6 address counts by its
// /64, which one host usually holds whole).
func userKey(name string) string { return "user:" + strings.ToLower(name) }

func addrKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return "addr:" + host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "addr:" + p.String()
	}
	return "addr:" + a.String()
}

// closed returns how long until every one of keys may try again: 0 when
// all may now.
func (l *limiter) closed(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		if s, ok := l.strikes[k]; ok && s.until.After(now) {
			wait = max(wait, s.until.Sub(now))
		}
	}
	return wait
}

// fail counts a failed sign-in against each key, with the number of free
// failures it has.
func (l *limiter) fail(keys map[string]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for k, free := range keys {
		s, ok := l.strikes[k]
		if !ok || now.Sub(s.last) > forgetAfter {
			if !ok && len(l.strikes) >= maxStrikes {
				l.forgetOldest(now)
			}
			s = &strike{}
			l.strikes[k] = s
		}
		s.fails++
		s.last = now
		if over := s.fails - free; over > 0 {
			lock := lockMax
			if over < 20 && lockBase<<(over-1) < lockMax {
				lock = lockBase << (over - 1)
			}
			s.until = now.Add(lock)
		}
	}
}

// succeed forgets the failures of key.
func (l *limiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.strikes, key)
}

// forgetOldest drops the keys whose failures are forgotten anyway and, if
// that frees nothing, the one failed longest ago. l.mu is held.
func (l *limiter) forgetOldest(now time.Time) {
	var oldest string
	for k, s := range l.strikes {
		if now.Sub(s.last) > forgetAfter && !s.until.After(now) {
			delete(l.strikes, k)
			continue
		}
		if oldest == "" || s.last.Before(l.strikes[oldest].last) {
			oldest = k
		}
	}
	if len(l.strikes) >= maxStrikes && oldest != "" {
		delete(l.strikes, oldest)
	}
}
