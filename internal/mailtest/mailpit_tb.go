package mailtest

import (
	"net/url"
	"time"
)

// StartMailpit starts a fresh Mailpit (see LaunchMailpit) in a temporary
// directory; t.Cleanup stops it and removes the directory.
func StartMailpit(t TB) *Mailpit {
	t.Helper()
	m, err := LaunchMailpit("")
	if err != nil {
		fatalOrSkip(t, err)
	}
	t.Cleanup(func() {
		if m.proc != nil {
			if exited, err := m.proc.exited(); exited {
				t.Logf("mailtest: mailpit exited before the test ended (%v):\n%s", err, m.proc.output())
			}
		}
		if err := m.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return m
}

// Messages returns every message Mailpit holds, oldest first.
func (m *Mailpit) Messages(t TB) []Message {
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
func (m *Mailpit) WaitMessages(t TB, n int, timeout time.Duration) []Message {
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
func (m *Mailpit) Raw(t TB, id string) []byte {
	t.Helper()
	b, err := m.get("/api/v1/message/" + url.PathEscape(id) + "/raw")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Headers returns the headers of the message with Mailpit ID id, keyed by
// canonical header name (as net/textproto writes it).
func (m *Mailpit) Headers(t TB, id string) map[string][]string {
	t.Helper()
	h, err := m.headers(id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Stop shuts the server down; SMTP clients see their connections refused. It
// does nothing if the server is already stopped.
func (m *Mailpit) Stop(t TB) {
	t.Helper()
	if err := m.stop(); err != nil {
		t.Fatal(err)
	}
}

// Restart starts the server again on the same ports with the same messages,
// stopping it first if it is running.
func (m *Mailpit) Restart(t TB) {
	t.Helper()
	m.Stop(t)
	if err := m.start(); err != nil {
		t.Fatal(err)
	}
}
