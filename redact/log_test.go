package redact

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestErr(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{errors.New("550 5.1.1 <ivan.petrov@example.ru>: Recipient address rejected"), "550 5.1.1 <i…@example.ru>: Recipient address rejected"},
		{errors.New("RCPT TO:<a+b@почта.рф> refused; also c@d.org"), "RCPT TO:<a…@почта.рф> refused; also c…@d.org"},
		{errors.New("554 5.7.1 message from +7 912 345-67-89 refused"), "554 5.7.1 message from +• ••• •••-••-•• refused"},
		{errors.New("dial tcp 127.0.0.1:25: connection refused"), "dial tcp 127.0.0.1:25: connection refused"},
		{nil, ""},
	}
	for _, tc := range tests {
		if got := Err(tc.err); got.Value.String() != tc.want {
			t.Errorf("Err(%v) = %q, want %q", tc.err, got.Value.String(), tc.want)
		}
	}
}

// TestErrHidesRecipient: a log line carries a mail server's error
// without the citizen's mailbox in it.
func TestErrHidesRecipient(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	cause := fmt.Errorf("giving up: %w", errors.New("smtp: 550 5.1.1 <olga.smirnova@example.ru>: no such user"))
	log.Warn("giving up", Err(cause))
	if strings.Contains(buf.String(), "olga.smirnova") || !strings.Contains(buf.String(), "example.ru") {
		t.Errorf("log line = %q, want the domain without the local part", buf.String())
	}
}
