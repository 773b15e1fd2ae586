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
	"time"
)

// Mailpit is a running Mailpit SMTP server. It accepts mail with or without
// SMTP AUTH, taking any username and password, over plain SMTP (no TLS), and
// shows what it caught through its HTTP API. A test starts one with
// StartMailpit and uses the methods that take a TB, which fail the test on
// error and so, like t.Fatal, must be called from the goroutine running the
// test. A program starts one with LaunchMailpit and stops it with Close.
type Mailpit struct {
	SMTPAddr string // 127.0.0.1:port
	APIURL   string // http://127.0.0.1:port

	bin     string // the mailpit executable
	dir     string // database and log
	ownsDir bool   // dir was made by LaunchMailpit and goes with Close
	http    *http.Client
	proc    *process // nil while stopped
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
	// Bcc lists the envelope recipients that are in neither To nor Cc.
	Bcc       []Address
	ReplyTo   []Address
	InReplyTo string `json:"-"` // In-Reply-To without angle brackets; "" if absent
	// Username is the name the client gave to AUTH LOGIN. QUIRK: Mailpit
	// v1.27.11 records no name for AUTH PLAIN, so it is "" then too.
	Username string
	Created  time.Time // when Mailpit received the message
	Size     int
	Snippet  string // the start of the text, up to 250 characters
}

// LaunchMailpit starts a fresh Mailpit and returns once its SMTP port and
// its API answer. Its database and log live in dir, or, when dir is "", in a
// new temporary directory that Close removes. When Mailpit is not installed
// the error wraps ErrNotInstalled.
func LaunchMailpit(dir string) (*Mailpit, error) {
	bin, err := findBinary("mailpit", "\"go install github.com/axllent/mailpit@v1.27.11\"",
		goBinCandidates("mailpit")...)
	if err != nil {
		return nil, err
	}
	dir, owned, err := serverDir("mailpit", dir)
	if err != nil {
		return nil, err
	}
	m := &Mailpit{
		bin:     bin,
		dir:     dir,
		ownsDir: owned,
		http:    &http.Client{Timeout: 10 * time.Second},
	}
	for range startAttempts {
		if err = m.configure(); err != nil {
			break
		}
		if err = m.start(); !errors.Is(err, errAddrInUse) {
			break
		}
	}
	if err != nil {
		return nil, errors.Join(err, m.removeDir())
	}
	return m, nil
}

// Close stops the server and removes its directory if LaunchMailpit made it.
func (m *Mailpit) Close() error {
	return errors.Join(m.stop(), m.removeDir())
}

// List returns every message Mailpit holds, oldest first, without
// InReplyTo (which costs one request per message; Messages fills it).
func (m *Mailpit) List() ([]Message, error) {
	return m.list()
}

// Total returns how many messages Mailpit holds, with one small request.
func (m *Mailpit) Total() (int, error) {
	b, err := m.get("/api/v1/messages?limit=1")
	if err != nil {
		return 0, err
	}
	var page struct {
		Total int `json:"total"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		return 0, fmt.Errorf("mailtest: decode mailpit message list: %w", err)
	}
	return page.Total, nil
}

// Newest reports how many messages Mailpit holds and when it received the
// newest of them (the zero time when it holds none).
func (m *Mailpit) Newest() (total int, newest time.Time, err error) {
	b, err := m.get("/api/v1/messages?limit=1")
	if err != nil {
		return 0, time.Time{}, err
	}
	var page struct {
		Total    int       `json:"total"`
		Messages []Message `json:"messages"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		return 0, time.Time{}, fmt.Errorf("mailtest: decode mailpit message list: %w", err)
	}
	if len(page.Messages) > 0 {
		newest = page.Messages[0].Created
	}
	return page.Total, newest, nil
}

// DeleteAll deletes every message Mailpit holds.
func (m *Mailpit) DeleteAll() error {
	req, err := http.NewRequest(http.MethodDelete, m.APIURL+"/api/v1/messages", nil)
	if err != nil {
		return fmt.Errorf("mailtest: mailpit api: %w", err)
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return fmt.Errorf("mailtest: mailpit api: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mailtest: mailpit api DELETE messages: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	return nil
}

// stop shuts the server down if it is running.
func (m *Mailpit) stop() error {
	if m.proc == nil {
		return nil
	}
	err := m.proc.stop()
	m.proc = nil
	// QUIRK: on a busy machine Mailpit 1.27 has been seen to outlast
	// stopTimeout after SIGTERM. Its messages are committed to SQLite,
	// which SIGKILL does not damage, so a stop that had to kill it is not
	// a failure.
	if err != nil && !errors.Is(err, errKilled) {
		return fmt.Errorf("mailtest: stop mailpit: %w", err)
	}
	return nil
}

// removeDir removes the server's directory if it is the server's own.
func (m *Mailpit) removeDir() error {
	if !m.ownsDir {
		return nil
	}
	if err := os.RemoveAll(m.dir); err != nil {
		return fmt.Errorf("mailtest: remove mailpit dir: %w", err)
	}
	m.ownsDir = false
	return nil
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

// CPUTime reports the CPU time, user and system, the running Mailpit has
// used so far, read from /proc.
func (m *Mailpit) CPUTime() (time.Duration, error) {
	if m.proc == nil {
		return 0, errors.New("mailtest: mailpit is not running")
	}
	return processCPU(m.proc.cmd.Process.Pid)
}
