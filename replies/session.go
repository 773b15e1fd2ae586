package replies

import (
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// dataPiece is how much of a letter must go within the timeout: the size of
// the buffer between the dot-stuffing writer and the connection, so each
// piece is one or two writes to the network.
const dataPiece = 4 << 10

// Session is one open connection to the mail server. Each command gets a
// deadline of its own (see SMTP.Timeout); a session whose connection failed
// or timed out is not used again.
type Session struct {
	smtp    *smtp.Client
	conn    *dialed
	timeout time.Duration
	broken  bool // a command failed without an answer from the server
}

// Send delivers one letter. It returns nil only after the server accepted the
// data (250); a *PermanentError when the server refused it for good.
//
// The letter in hand is not cut off when the daemon shuts down: it ends
// with the server's answer or a timeout.
func (s *Session) Send(from, to string, raw []byte) error {
	if s.broken {
		return errors.New("replies: the connection failed before this letter")
	}
	if err := s.command(func() error { return s.smtp.Mail("<" + from + ">") }); err != nil {
		return s.abort(fmt.Errorf("MAIL FROM:<%s>: %w", from, s.explain(err)))
	}
	if err := s.command(func() error { return s.smtp.Rcpt("<" + to + ">") }); err != nil {
		return s.abort(fmt.Errorf("RCPT TO:<%s>: %w", to, s.explain(err)))
	}
	var w io.WriteCloser
	err := s.command(func() (err error) {
		w, err = s.smtp.Data()
		return err
	})
	if err != nil {
		return s.abort(fmt.Errorf("DATA: %w", s.explain(err)))
	}
	if err := s.data(w, raw); err != nil {
		// Without the final dot the server drops what it got.
		s.broken = true
		return fmt.Errorf("DATA: %w", s.explain(err))
	}
	if err := s.command(w.Close); err != nil {
		s.broken = !answered(err)
		return fmt.Errorf("end of DATA: %w", s.explain(err))
	}
	return nil
}

// Close says QUIT, within the timeout, and closes the connection; a broken
// session is closed without QUIT.
func (s *Session) Close() error {
	if s.broken {
		s.smtp.Close()
		return nil
	}
	if err := s.command(s.smtp.Quit); err != nil {
		s.smtp.Close() // Quit closes only when the server answers
		return fmt.Errorf("QUIT: %w", s.explain(err))
	}
	return nil
}

// command runs one command with a fresh deadline for it and its reply.
func (s *Session) command(f func() error) error {
	if err := s.smtp.UpdateDeadline(s.timeout); err != nil {
		return err
	}
	return f()
}

// data writes raw to w a piece at a time, each within the timeout.
func (s *Session) data(w io.Writer, raw []byte) error {
	for len(raw) > 0 {
		n := min(len(raw), dataPiece)
		if err := s.command(func() error {
			_, err := w.Write(raw[:n])
			return err
		}); err != nil {
			return err
		}
		raw = raw[n:]
	}
	return nil
}

// abort ends a transaction the server refused with RSET, so the session
// can carry the next letter. After a failure the server did not answer,
// the session is broken: RSET would only wait on a dead connection.
func (s *Session) abort(err error) error {
	if !answered(err) || s.command(s.smtp.Reset) != nil {
		s.broken = true
	}
	return err
}

// explain marks refusals permanent and names a passed deadline.
func (s *Session) explain(err error) error { return s.conn.explain(classify(err), s.timeout) }

// answered reports whether err is the server's reply, not a failure of
// the connection.
func answered(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp)
}
