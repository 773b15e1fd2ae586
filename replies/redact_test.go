package replies

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactAddresses(t *testing.T) {
	tests := []struct{ in, want string }{
		{"550 5.1.1 <ivan.petrov@example.ru>: Recipient address rejected", "550 5.1.1 <…@example.ru>: Recipient address rejected"},
		{"RCPT TO:<a+b@почта.рф> refused; also c@d.org", "RCPT TO:<…@почта.рф> refused; also …@d.org"},
		{"dial tcp 127.0.0.1:25: connection refused", "dial tcp 127.0.0.1:25: connection refused"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := redactAddresses(tc.in); got != tc.want {
			t.Errorf("redactAddresses(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestLogErrHidesRecipient: the outbox's log lines carry a server's error
// without the citizen's mailbox in it.
func TestLogErrHidesRecipient(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	cause := &PermanentError{Err: errors.New("smtp: 550 5.1.1 <olga.smirnova@example.ru>: no such user")}
	log.Warn("giving up", logErr(cause))
	if strings.Contains(buf.String(), "olga.smirnova") || !strings.Contains(buf.String(), "example.ru") {
		t.Errorf("log line = %q, want the domain without the local part", buf.String())
	}
}
