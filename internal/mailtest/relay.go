package mailtest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
)

// relay8BitMIME is a TCP relay in front of Mailpit's SMTP port that adds
// 8BITMIME to Mailpit's EHLO answer.
//
// QUIRK: Mailpit v1.27.11 does not advertise 8BITMIME, though it accepts
// BODY=8BITMIME. Dovecot 2.3's submission service advertises 8BITMIME before
// login, then, once it relays for the logged-in user, refuses MAIL FROM with
// BODY=8BITMIME ("555 Unsupported mail BODY type") because its relay did not
// offer it. Clients that saw 8BITMIME in the first EHLO send it (go-smtp and
// go-mail both do, and need not EHLO again after AUTH), so without this relay
// Dovecot refuses every letter. Real relays (Postfix, Exchange) offer
// 8BITMIME.
type relay8BitMIME struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
	wg     sync.WaitGroup
}

// startRelay8BitMIME listens on 127.0.0.1 and relays each connection to
// target.
func startRelay8BitMIME(target string) (*relay8BitMIME, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mailtest: listen for the submission relay: %w", err)
	}
	r := &relay8BitMIME{ln: ln, target: target, conns: make(map[net.Conn]bool)}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// addr is the relay's host:port.
func (r *relay8BitMIME) addr() string { return r.ln.Addr().String() }

// close stops the relay and closes every connection it holds.
func (r *relay8BitMIME) close() error {
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	err := r.ln.Close()
	r.wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("mailtest: close the submission relay: %w", err)
	}
	return nil
}

// track remembers c so that close closes it; false when closing already.
func (r *relay8BitMIME) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		c.Close()
		return false
	}
	r.conns[c] = true
	return true
}

func (r *relay8BitMIME) untrack(cs ...net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(r.conns, c)
	}
}

func (r *relay8BitMIME) accept() {
	defer r.wg.Done()
	for {
		client, err := r.ln.Accept()
		if err != nil {
			return
		}
		if !r.track(client) {
			return
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			server, err := net.Dial("tcp", r.target)
			if err != nil {
				r.untrack(client)
				return
			}
			if !r.track(server) {
				r.untrack(client)
				return
			}
			done := make(chan struct{})
			go func() {
				io.Copy(server, client)
				close(done)
			}()
			addEightBit(client, server)
			<-done // returns once either side closes: both are closed now
			r.untrack(client, server)
		}()
	}
}

// addEightBit copies the server's answers to the client line by line,
// adding "250-8BITMIME" before the last line of each EHLO answer, and closes
// the client when the server is done, so that the other copy ends too.
func addEightBit(client, server net.Conn) {
	defer client.Close()
	defer server.Close()
	br := bufio.NewReader(server)
	w := bufio.NewWriter(client)
	inEHLO := false
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			switch {
			case strings.HasPrefix(line, "250-") && !inEHLO:
				inEHLO = true // the first line of a multi-line 250: EHLO's
			case strings.HasPrefix(line, "250 ") && inEHLO:
				w.WriteString("250-8BITMIME\r\n")
				inEHLO = false
			}
			w.WriteString(line)
			if br.Buffered() == 0 {
				if w.Flush() != nil {
					return
				}
			}
		}
		if err != nil {
			w.Flush()
			return
		}
	}
}
