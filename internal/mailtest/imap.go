package mailtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Letter is one message in a mailbox, as Dovecot.List reports it.
type Letter struct {
	UID       uint32
	MessageID string // without angle brackets; "" when the letter has none
	Seen      bool
}

// session logs in as user, runs fn, and logs out, all within timeout.
func (d *Dovecot) session(user, password string, timeout time.Duration, fn func(*imapclient.Client) error) error {
	conn, err := net.DialTimeout("tcp", d.Addr, min(timeout, probeTimeout))
	if err != nil {
		return fmt.Errorf("dial %s: %w", d.Addr, err)
	}
	c := imapclient.New(conn, nil)
	defer c.Close()
	timer := time.AfterFunc(timeout, func() { c.Close() })
	defer timer.Stop()

	if err := c.Login(user, password).Wait(); err != nil {
		return fmt.Errorf("login %s: %w", user, err)
	}
	if err := fn(c); err != nil {
		return err
	}
	if err := c.Logout().Wait(); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// createMailbox creates mailbox unless it is INBOX or exists already.
func createMailbox(c *imapclient.Client, mailbox string) error {
	if strings.EqualFold(mailbox, "INBOX") {
		return nil
	}
	err := c.Create(mailbox, nil).Wait()
	var imapErr *imap.Error
	if err != nil && !(errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeAlreadyExists) {
		return fmt.Errorf("create %s: %w", mailbox, err)
	}
	return nil
}

// appendMessages creates mailbox unless it exists, then appends each of raws
// to it. The commands are pipelined: Dovecot announces LITERAL+, so the
// client need not wait for one APPEND before sending the next.
func appendMessages(c *imapclient.Client, mailbox string, raws [][]byte) error {
	_, err := appendWithUIDs(c, mailbox, raws)
	return err
}

// appendWithUIDs is appendMessages returning the UID the server gave each
// letter (APPENDUID, RFC 4315), in the order of raws.
func appendWithUIDs(c *imapclient.Client, mailbox string, raws [][]byte) ([]uint32, error) {
	if err := createMailbox(c, mailbox); err != nil {
		return nil, err
	}
	cmds := make([]*imapclient.AppendCommand, 0, len(raws))
	for i, raw := range raws {
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			cmd.Close()
			return nil, fmt.Errorf("write message %d: %w", i+1, err)
		}
		if err := cmd.Close(); err != nil {
			return nil, fmt.Errorf("finish message %d: %w", i+1, err)
		}
		cmds = append(cmds, cmd)
	}
	uids := make([]uint32, len(cmds))
	for i, cmd := range cmds {
		data, err := cmd.Wait()
		if err != nil {
			return nil, fmt.Errorf("append message %d: %w", i+1, err)
		}
		if data != nil {
			uids[i] = uint32(data.UID)
		}
	}
	return uids, nil
}

// status asks for the number of messages and unseen messages in mailbox,
// which counts as empty if it does not exist.
func status(c *imapclient.Client, mailbox string) (total, unseen int, err error) {
	found, err := exists(c, mailbox)
	if err != nil || !found {
		return 0, 0, err
	}
	data, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
	if err != nil {
		return 0, 0, fmt.Errorf("status %s: %w", mailbox, err)
	}
	if data.NumMessages == nil || data.NumUnseen == nil {
		return 0, 0, fmt.Errorf("status %s: server left out MESSAGES or UNSEEN", mailbox)
	}
	return int(*data.NumMessages), int(*data.NumUnseen), nil
}

// exists reports whether mailbox exists.
func exists(c *imapclient.Client, mailbox string) (bool, error) {
	// QUIRK: Dovecot 2.3 answers STATUS or DELETE on a missing mailbox with
	// a bare NO, without RFC 5530's NONEXISTENT code, so ask LIST first.
	found, err := c.List("", mailbox, nil).Collect()
	if err != nil {
		return false, fmt.Errorf("list %s: %w", mailbox, err)
	}
	return len(found) > 0, nil
}

// listLetters returns the UID, Message-ID and \Seen flag of every letter in
// mailbox, in UID order, without setting \Seen.
func listLetters(c *imapclient.Client, mailbox string) ([]Letter, error) {
	found, err := exists(c, mailbox)
	if err != nil || !found {
		return nil, err
	}
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("examine %s: %w", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil, nil
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, Envelope: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", mailbox, err)
	}
	out := make([]Letter, 0, len(msgs))
	for _, m := range msgs {
		l := Letter{UID: uint32(m.UID)}
		if m.Envelope != nil {
			l.MessageID = m.Envelope.MessageID
		}
		for _, f := range m.Flags {
			l.Seen = l.Seen || f == imap.FlagSeen
		}
		out = append(out, l)
	}
	return out, nil
}

// recreate deletes mailbox if it exists, creates it again and appends raws
// to it. It returns the mailbox's UIDVALIDITY before (0 if it did not exist)
// and after.
func recreate(c *imapclient.Client, mailbox string, raws [][]byte) (before, after uint32, err error) {
	if strings.EqualFold(mailbox, "INBOX") {
		return 0, 0, errors.New("INBOX cannot be deleted (RFC 3501 6.3.4); recreate another mailbox")
	}
	validity := func() (uint32, error) {
		data, err := c.Status(mailbox, &imap.StatusOptions{UIDValidity: true}).Wait()
		if err != nil {
			return 0, fmt.Errorf("status %s: %w", mailbox, err)
		}
		return data.UIDValidity, nil
	}
	found, err := exists(c, mailbox)
	if err != nil {
		return 0, 0, err
	}
	if found {
		if before, err = validity(); err != nil {
			return 0, 0, err
		}
	}
	// Dovecot may refuse an APPEND to the new mailbox with "Mailbox was
	// deleted under us" while a client that had the old one selected (the
	// daemon under test) is still being told it is gone: then the mailbox
	// is made again from the start, a little later.
	for attempt := 1; ; attempt++ {
		err = deleteAndAppend(c, mailbox, found, raws)
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "deleted under us") {
			break
		}
		found = true
		time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
	}
	if err != nil {
		return 0, 0, err
	}
	after, err = validity()
	return before, after, err
}

// deleteAndAppend deletes mailbox (when it exists) and appends raws to it,
// which creates it again.
func deleteAndAppend(c *imapclient.Client, mailbox string, exists bool, raws [][]byte) error {
	if exists {
		if err := c.Delete(mailbox).Wait(); err != nil && !strings.Contains(err.Error(), "NONEXISTENT") {
			return fmt.Errorf("delete %s: %w", mailbox, err)
		}
	}
	return appendMessages(c, mailbox, raws)
}

// addPasswdLine appends a user with a plain-text password to a Dovecot
// passwd-file.
func addPasswdLine(path, name, password string) error {
	if name == "" || strings.ContainsAny(name, ":\r\n") || strings.ContainsAny(password, ":\r\n") {
		return fmt.Errorf("mailtest: add user %q: name must be non-empty, and neither may hold ':' or a line break", name)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("mailtest: add user %s: %w", name, err)
	}
	_, err = fmt.Fprintf(f, "%s:{PLAIN}%s\n", name, password)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("mailtest: add user %s: %w", name, err)
	}
	return nil
}

// fetchRaw returns the bytes of every letter in mailbox by UID, as a client
// fetching BODY.PEEK[] gets them, without setting \Seen. A mailbox that does
// not exist is empty.
func fetchRaw(c *imapclient.Client, mailbox string) (map[uint32][]byte, error) {
	found, err := exists(c, mailbox)
	if err != nil || !found {
		return nil, err
	}
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("examine %s: %w", mailbox, err)
	}
	out := map[uint32][]byte{}
	if sel.NumMessages == 0 {
		return out, nil
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	whole := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{whole}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", mailbox, err)
	}
	for _, m := range msgs {
		out[uint32(m.UID)] = m.FindBodySection(whole)
	}
	return out, nil
}
