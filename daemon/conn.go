package daemon

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// watchedConn is the connection to the IMAP server, watched for a server
// that stops talking. go-imap commands take no context, so the bound lives
// here, in the deadlines of the connection itself:
//
//   - while the daemon waits for a reply, every read must bring a byte
//     within timeout: a bound on silence, not on the length of the reply, so
//     a 25 MB letter on a slow but live link is not cut off;
//   - every write must go within timeout;
//   - while the daemon idles in IDLE the server owes nothing, and reads are
//     bounded by the IDLE renewal plus timeout instead;
//   - while the daemon works on what it fetched (parsing, storing) no reply
//     is awaited and reads are not bounded at all: the client's reader
//     always has a read pending, and an idle mailbox is not a dead server.
//
// Sending anything means a reply is due, so every write arms the read bound;
// the daemon calls rest when it has every reply it waited for. When a bound
// passes, the connection is closed and every later read and write fails at
// once with the same error, so go-imap, which reads on after an error, ends
// every command in flight without waiting again.
//
// go-imap sets deadlines of its own (30 s per response, 5 minutes per
// literal); those are bounds on length, which would cut off a large letter
// on a slow link, so watchedConn ignores them.
type watchedConn struct {
	net.Conn
	timeout time.Duration

	mu   sync.Mutex
	wait time.Duration // the read bound now; 0 for none
	dead error         // the silence that ended the connection
}

// newWatchedConn watches c, starting with a reply due: the server speaks
// first (the greeting, or the TLS handshake).
func newWatchedConn(c net.Conn, timeout time.Duration) *watchedConn {
	return &watchedConn{Conn: c, timeout: timeout, wait: timeout}
}

// Read reads with the current bound on silence.
func (c *watchedConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	wait, dead := c.wait, c.dead
	c.setReadBound(wait)
	c.mu.Unlock()
	if dead != nil {
		return 0, dead
	}
	n, err := c.Conn.Read(p)
	return n, c.silence("read", wait, err)
}

// Write writes within timeout and arms the read bound: a reply is due.
func (c *watchedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	dead := c.dead
	c.mu.Unlock()
	if dead != nil {
		return 0, dead
	}
	c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	n, err := c.Conn.Write(p)
	c.await(c.timeout)
	return n, c.silence("write", c.timeout, err)
}

// silence names a passed deadline as the server's silence, and ends the
// connection.
func (c *watchedConn) silence(op string, d time.Duration, err error) error {
	if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	c.mu.Lock()
	if c.dead == nil {
		c.dead = &silenceError{op: op, after: d, err: err}
	}
	err = c.dead
	c.mu.Unlock()
	c.Conn.Close()
	return err
}

// await bounds reads, the one in flight included, by d of silence.
func (c *watchedConn) await(d time.Duration) {
	c.mu.Lock()
	c.wait = d
	c.setReadBound(d)
	c.mu.Unlock()
}

// idle bounds reads by d while the daemon idles in IDLE.
func (c *watchedConn) idle(d time.Duration) { c.await(d) }

// rest lifts the read bound: no reply is awaited.
func (c *watchedConn) rest() { c.await(0) }

// setReadBound sets the read deadline d from now, or none for 0; c.mu is
// held, so the deadline set last belongs to the bound set last.
func (c *watchedConn) setReadBound(d time.Duration) {
	var at time.Time
	if d > 0 {
		at = time.Now().Add(d)
	}
	c.Conn.SetReadDeadline(at)
}

// SetDeadline ignores go-imap's deadlines; see watchedConn.
func (c *watchedConn) SetDeadline(time.Time) error { return nil }

// SetReadDeadline ignores go-imap's deadlines; see watchedConn.
func (c *watchedConn) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline ignores go-imap's deadlines; see watchedConn.
func (c *watchedConn) SetWriteDeadline(time.Time) error { return nil }

// silenceError is a read or write that the IMAP server left without
// progress for longer than its bound.
type silenceError struct {
	op    string        // "read" or "write"
	after time.Duration // the bound that passed
	err   error         // os.ErrDeadlineExceeded, as the connection reported it
}

func (e *silenceError) Error() string {
	if e.op == "write" {
		return fmt.Sprintf("the server took nothing for %v (imap timeout)", e.after)
	}
	return fmt.Sprintf("the server sent nothing for %v (imap timeout)", e.after)
}

func (e *silenceError) Unwrap() error { return e.err }

// Timeout reports true, as a net.Error would.
func (e *silenceError) Timeout() bool { return true }
