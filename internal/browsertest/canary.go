package browsertest

import (
	"bufio"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Canary is a loopback TCP listener that hostile content points at (an
// image, a fetch, a form's action, a stylesheet): it answers nothing and
// records every connection, with the first line it was sent (an HTTP
// request line). A test asserts that it got nothing.
type Canary struct {
	Addr string // 127.0.0.1:port
	URL  string // http://127.0.0.1:port

	ln   net.Listener
	mu   sync.Mutex
	hits []string
	wg   sync.WaitGroup
}

// StartCanary starts a canary for the test; t.Cleanup stops it.
func StartCanary(t testing.TB) *Canary {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("browsertest: canary: %v", err)
	}
	c := &Canary{Addr: ln.Addr().String(), URL: "http://" + ln.Addr().String(), ln: ln}
	c.wg.Add(1)
	go c.serve()
	t.Cleanup(func() {
		ln.Close()
		c.wg.Wait()
	})
	return c
}

func (c *Canary) serve() {
	defer c.wg.Done()
	for {
		conn, err := c.ln.Accept()
		if err != nil {
			return
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			defer conn.Close()
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(conn).ReadString('\n')
			c.mu.Lock()
			c.hits = append(c.hits, conn.RemoteAddr().String()+" "+strings.TrimSpace(line))
			c.mu.Unlock()
			conn.Write([]byte("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"))
		}()
	}
}

// Hits returns a line per connection so far: the peer and the first line
// it sent.
func (c *Canary) Hits() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.hits)
}
