package memmail

import (
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// Proxy is a TCP relay on loopback in front of a mail server, which a test
// makes misbehave the way a stuck server or a slow link does: it can go
// silent after some bytes, freeze the connections open now, answer as a
// tarpit, or relay slowly. A connection it holds stays open until the client
// closes it or the proxy closes; Open tells whether clients let go.
//
// How a connection behaves is decided when it is accepted (Hold, Tarpit,
// Heal), except Freeze, which acts on the connections open now, and
// Throttle, which acts on every connection at once.
type Proxy struct {
	Addr string // 127.0.0.1:port

	target string
	ln     net.Listener

	mu       sync.Mutex
	next     behaviour         // for connections accepted from now on
	rate     int               // bytes a second each way; 0 for no limit
	open     map[*link]bool    // client connections not yet closed by the client
	all      map[net.Conn]bool // every connection, closed by Close
	accepted int
	closed   bool
}

// behaviour is what the proxy does with a connection it accepts.
type behaviour struct {
	hold   int64  // relay this many bytes from the server, then nothing; <0 for no limit
	drip   []byte // answer these bytes, one every every, repeated forever; nothing is relayed
	every  time.Duration
	direct bool // neither: relay
}

// link is one client connection and, when relaying, its server connection.
type link struct {
	client, server net.Conn
	b              behaviour
	stop           chan struct{} // closed when the link is frozen
	stopOnce       sync.Once
}

// StartProxy relays connections on a free loopback port to target
// (host:port); an empty target is a server that accepts and never answers.
func StartProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("memmail: proxy listen: %w", err)
	}
	p := &Proxy{
		Addr: ln.Addr().String(), target: target, ln: ln,
		next: behaviour{hold: -1, direct: true},
		open: map[*link]bool{}, all: map[net.Conn]bool{},
	}
	if target == "" {
		p.next = behaviour{hold: 0}
	}
	go p.accept()
	return p, nil
}

// Hold makes connections accepted from now on relay n bytes from the
// server to the client and then fall silent both ways, as a server frozen
// mid-answer would; n = 0 is a server that accepts and never answers.
func (p *Proxy) Hold(n int64) { p.set(behaviour{hold: n}) }

// Tarpit makes connections accepted from now on be answered by the proxy
// itself: the bytes of reply, one every interval, over and over, forever.
// Nothing reaches the server.
func (p *Proxy) Tarpit(reply string, every time.Duration) {
	p.set(behaviour{drip: []byte(reply), every: every})
}

// Heal makes connections accepted from now on relay normally. Connections
// held or frozen stay so.
func (p *Proxy) Heal() { p.set(behaviour{hold: -1, direct: true}) }

// Freeze stops the connections open now, both ways, leaving them open.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for l := range p.open {
		l.freeze()
	}
}

// Throttle limits every connection to bytesPerSecond each way; 0 lifts the
// limit. Connections accepted while throttled also get small socket
// buffers, as on a real slow link, where little is in flight: otherwise the
// kernel takes a megabyte at loopback speed and the client sees its data
// gone long before it arrives.
func (p *Proxy) Throttle(bytesPerSecond int) {
	p.mu.Lock()
	p.rate = bytesPerSecond
	p.mu.Unlock()
	// Accepted connections inherit the listener's receive buffer, and with
	// it the window they advertise from the start.
	buf := 0 // the system's default
	if bytesPerSecond > 0 {
		buf = max(bytesPerSecond/20, 4<<10)
	}
	if rc, err := p.ln.(*net.TCPListener).SyscallConn(); err == nil && buf > 0 {
		rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, buf)
		})
	}
}

// Accepted returns how many connections the proxy has accepted.
func (p *Proxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Open returns how many accepted connections the clients have not closed.
func (p *Proxy) Open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.open)
}

// Close stops accepting and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	conns := p.all
	p.all = map[net.Conn]bool{}
	p.mu.Unlock()
	err := p.ln.Close()
	for c := range conns {
		c.Close()
	}
	return err
}

func (p *Proxy) set(b behaviour) {
	p.mu.Lock()
	p.next = b
	p.mu.Unlock()
}

// keep records c for Close; it reports false, closing c, once the proxy is
// closed.
func (p *Proxy) keep(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.all[c] = true
	return true
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.keep(c) {
			return
		}
		p.mu.Lock()
		l := &link{client: c, b: p.next, stop: make(chan struct{})}
		p.accepted++
		p.open[l] = true
		p.mu.Unlock()
		go p.serve(l)
	}
}

// serve runs one connection until the client closes it.
func (p *Proxy) serve(l *link) {
	defer func() {
		p.mu.Lock()
		delete(p.open, l)
		p.mu.Unlock()
		l.client.Close()
		if l.server != nil {
			l.server.Close()
		}
	}()
	switch {
	case l.b.drip != nil:
		go p.drip(l)
	case l.b.hold != 0 && p.target != "":
		s, err := net.Dial("tcp", p.target)
		if err != nil || !p.keep(s) {
			return
		}
		l.server = s
		go p.pipe(l, l.server, l.client, l.b.hold)
		p.pipe(l, l.client, l.server, -1)
		return
	}
	io.Copy(io.Discard, l.client)
}

// drip writes l.b.drip to the client one byte at a time, forever.
func (p *Proxy) drip(l *link) {
	for i := 0; ; i++ {
		time.Sleep(l.b.every)
		if _, err := l.client.Write(l.b.drip[i%len(l.b.drip) : i%len(l.b.drip)+1]); err != nil {
			return
		}
	}
}

// pipe copies from src to dst, at most limit bytes (<0: no limit), at the
// proxy's rate, until either side ends or the link freezes. Once the link
// is frozen (or limit is reached, which freezes it) the pipe reads and
// drops what src sends, so that a client closing its end is still seen. A
// server that ends its side ends the client's.
func (p *Proxy) pipe(l *link, src, dst net.Conn, limit int64) {
	buf := make([]byte, 32<<10)
	for {
		p.mu.Lock()
		rate := p.rate
		p.mu.Unlock()
		chunk := buf
		if rate > 0 {
			chunk = buf[:max(min(len(buf), rate/20), 1)]
		}
		if limit >= 0 && int64(len(chunk)) > limit {
			chunk = chunk[:limit]
		}
		if len(chunk) == 0 {
			l.freeze()
		}
		select {
		case <-l.stop:
			io.Copy(io.Discard, src)
			return
		default:
		}
		n, err := src.Read(chunk)
		select {
		case <-l.stop:
			n = 0 // the frozen server said nothing
		default:
		}
		if n > 0 {
			if _, werr := dst.Write(chunk[:n]); werr != nil {
				return
			}
			if limit >= 0 {
				limit -= int64(n)
			}
			if rate > 0 {
				time.Sleep(time.Duration(n) * time.Second / time.Duration(rate))
			}
		}
		if err != nil {
			if src == l.server {
				l.client.Close()
			}
			return
		}
	}
}

func (l *link) freeze() { l.stopOnce.Do(func() { close(l.stop) }) }
