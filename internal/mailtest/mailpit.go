package mailtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Mailpit is a running Mailpit SMTP server owned by one test. It accepts mail
// with or without SMTP AUTH, taking any username and password, over plain
// SMTP (no TLS), and shows what it caught through its HTTP API. Its methods
// fail the test on error, so, like t.Fatal, they must be called from the
// goroutine running the test.
type Mailpit struct {
	SMTPAddr string // 127.0.0.1:port
	APIURL   string // http://127.0.0.1:port

	bin  string // the mailpit executable
	dir  string // database and log
	http *http.Client
	proc *process // nil while stopped
}

// Address is a mailbox in a header, as Mailpit reports it.
type Address struct {
	Name    string
	Address string
}

// Message summarises one message Mailpit caught: the fields of Mailpit's
// message list, plus In-Reply-To from the message's headers.
type Message struct {
	ID        string // Mailpit's database ID, for Raw and Headers
	MessageID string // Message-ID without angle brackets
	Subject   string
	From      Address
	To        []Address
	Cc        []Address
	ReplyTo   []Address
	InReplyTo string `json:"-"` // In-Reply-To without angle brackets; "" if absent
	// Username is the name the client gave to AUTH LOGIN. QUIRK: Mailpit
	// v1.27.11 records no name for AUTH PLAIN, so it is "" then too.
	Username string
	Created  time.Time // when Mailpit received the message
	Size     int
	Snippet  string // the start of the text, up to 250 characters
}

// StartMailpit starts a fresh Mailpit whose database lives in a temporary
// directory. The server is stopped by t.Cleanup.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	bin := requireBinary(t, "mailpit", "\"go install github.com/axllent/mailpit@v1.27.11\"",
		goBinCandidates("mailpit")...)
	m := &Mailpit{
		bin:  bin,
		dir:  serverDir(t, "mailpit"),
		http: &http.Client{Timeout: 10 * time.Second},
	}
	t.Cleanup(func() { m.cleanup(t) })

	var err error
	for range startAttempts {
		if err = m.configure(); err != nil {
			break
		}
		if err = m.start(); !errors.Is(err, errAddrInUse) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Messages returns every message Mailpit holds, oldest first.
func (m *Mailpit) Messages(t testing.TB) []Message {
	t.Helper()
	msgs, err := m.list()
	if err == nil {
		err = m.addInReplyTo(msgs)
	}
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// WaitMessages polls Mailpit until it holds at least n messages and returns
// them all, oldest first. It fails the test if that takes longer than
// timeout.
func (m *Mailpit) WaitMessages(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs, err := m.list()
		if err == nil && len(msgs) >= n {
			if err := m.addInReplyTo(msgs); err != nil {
				t.Fatal(err)
			}
			return msgs
		}
		if time.Now().After(deadline) {
			if err != nil {
				t.Fatalf("mailtest: waited %v for %d messages in mailpit: %v", timeout, n, err)
			}
			t.Fatalf("mailtest: waited %v for %d messages in mailpit, got %d: %s",
				timeout, n, len(msgs), subjects(msgs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Raw returns the message with Mailpit ID id exactly as it was received.
func (m *Mailpit) Raw(t testing.TB, id string) []byte {
	t.Helper()
	b, err := m.get("/api/v1/message/" + url.PathEscape(id) + "/raw")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Headers returns the headers of the message with Mailpit ID id, keyed by
// canonical header name (as net/textproto writes it).
func (m *Mailpit) Headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	h, err := m.headers(id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Stop shuts the server down; SMTP clients see their connections refused. It
// does nothing if the server is already stopped.
func (m *Mailpit) Stop(t testing.TB) {
	t.Helper()
	if m.proc == nil {
		return
	}
	err := m.proc.stop()
	m.proc = nil
	if err != nil {
		t.Fatalf("mailtest: stop mailpit: %v", err)
	}
}

// Restart starts the server again on the same ports with the same messages,
// stopping it first if it is running.
func (m *Mailpit) Restart(t testing.TB) {
	t.Helper()
	m.Stop(t)
	if err := m.start(); err != nil {
		t.Fatal(err)
	}
}

// configure picks free ports for SMTP and the API.
func (m *Mailpit) configure() error {
	smtpPort, err := freePort()
	if err != nil {
		return err
	}
	apiPort, err := freePort()
	if err != nil {
		return err
	}
	m.SMTPAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(smtpPort))
	m.APIURL = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(apiPort))
	return nil
}

// start runs Mailpit and waits until both its SMTP port and its API answer.
// On failure the error carries Mailpit's log.
func (m *Mailpit) start() error {
	outPath := filepath.Join(m.dir, "mailpit.out")
	_ = os.Remove(outPath) // earlier lines would confuse the port-in-use check
	args := []string{
		"--smtp", m.SMTPAddr,
		"--listen", strings.TrimPrefix(m.APIURL, "http://"),
		"--database", filepath.Join(m.dir, "mailpit.db"),
		"--max", "0", // keep every message
		"--smtp-auth-accept-any",
		"--smtp-auth-allow-insecure",
		"--smtp-disable-rdns",
		"--disable-version-check",
	}
	p, err := startProcess(m.bin, args, outPath)
	if err != nil {
		return fmt.Errorf("mailtest: %w", err)
	}
	m.proc = p
	deadline := time.Now().Add(startTimeout)
	for {
		if exited, exitErr := p.exited(); exited {
			m.proc = nil
			logs := p.output()
			err := fmt.Errorf("mailtest: mailpit on %s exited during startup (%v):\n%s", m.SMTPAddr, exitErr, logs)
			if strings.Contains(strings.ToLower(logs), "address already in use") {
				err = fmt.Errorf("%w: %w", errAddrInUse, err)
			}
			return err
		}
		readyErr := m.ready()
		if readyErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			stopErr := p.stop()
			m.proc = nil
			return fmt.Errorf("mailtest: mailpit on %s not ready after %v: %w\n%s",
				m.SMTPAddr, startTimeout, errors.Join(readyErr, stopErr), p.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ready reports whether the SMTP port accepts connections and the API
// answers.
func (m *Mailpit) ready() error {
	conn, err := net.DialTimeout("tcp", m.SMTPAddr, probeTimeout)
	if err != nil {
		return fmt.Errorf("dial smtp: %w", err)
	}
	conn.Close()
	_, err = m.get("/readyz")
	return err
}

// cleanup stops the server at the end of the test.
func (m *Mailpit) cleanup(t testing.TB) {
	if m.proc == nil {
		return
	}
	if exited, err := m.proc.exited(); exited {
		t.Logf("mailtest: mailpit exited before the test ended (%v):\n%s", err, m.proc.output())
	}
	if err := m.proc.stop(); err != nil {
		t.Errorf("mailtest: stop mailpit: %v", err)
	}
	m.proc = nil
}

// list fetches the message list, oldest first, without In-Reply-To.
func (m *Mailpit) list() ([]Message, error) {
	b, err := m.get("/api/v1/messages?limit=0")
	if err != nil {
		return nil, err
	}
	var page struct {
		Messages []Message `json:"messages"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		return nil, fmt.Errorf("mailtest: decode mailpit message list: %w", err)
	}
	// Mailpit lists newest first.
	msgs := page.Messages
	slices.Reverse(msgs)
	slices.SortStableFunc(msgs, func(a, b Message) int { return a.Created.Compare(b.Created) })
	return msgs, nil
}

// addInReplyTo fills InReplyTo from each message's headers.
func (m *Mailpit) addInReplyTo(msgs []Message) error {
	for i := range msgs {
		h, err := m.headers(msgs[i].ID)
		if err != nil {
			return err
		}
		if v := h["In-Reply-To"]; len(v) > 0 {
			msgs[i].InReplyTo = strings.Trim(strings.TrimSpace(v[0]), "<>")
		}
	}
	return nil
}

// headers fetches the headers of one message.
func (m *Mailpit) headers(id string) (map[string][]string, error) {
	b, err := m.get("/api/v1/message/" + url.PathEscape(id) + "/headers")
	if err != nil {
		return nil, err
	}
	var h map[string][]string
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("mailtest: decode headers of mailpit message %s: %w", id, err)
	}
	return h, nil
}

// get fetches path from the API and returns the body of a 200 response.
func (m *Mailpit) get(path string) ([]byte, error) {
	resp, err := m.http.Get(m.APIURL + path)
	if err != nil {
		return nil, fmt.Errorf("mailtest: mailpit api: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("mailtest: mailpit api GET %s: read body: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("mailtest: mailpit api GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}

// subjects lists the subjects of msgs for failure messages.
func subjects(msgs []Message) string {
	s := make([]string, len(msgs))
	for i, msg := range msgs {
		s[i] = strconv.Quote(msg.Subject)
	}
	return "[" + strings.Join(s, ", ") + "]"
}
