package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/mail"
	"net/smtp"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
)

// The floor is the network work any design of ticketd has to do: download
// every letter, and send one acknowledgement per letter. It is measured with
// the plainest clients, doing nothing else.

// download fetches every letter of mailbox with one UID FETCH 1:*
// BODY.PEEK[], keeping each letter's bytes in memory only until the next
// arrives, and returns how long the FETCH took and how many letters and
// bytes it brought.
func (l *lab) download(mailbox string) (elapsed time.Duration, letters int, size int64, err error) {
	c, err := l.dovecot.Login(l.dovecot.Username, l.dovecot.Password)
	if err != nil {
		return 0, 0, 0, err
	}
	defer c.Close()
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return 0, 0, 0, fmt.Errorf("select %s: %w", mailbox, err)
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	section := &imap.FetchItemBodySection{Peek: true}
	var buf bytes.Buffer
	start := time.Now()
	cmd := c.Fetch(all, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			if body, ok := item.(imapclient.FetchItemDataBodySection); ok {
				buf.Reset()
				n, err := io.Copy(&buf, body.Literal)
				if err != nil {
					return 0, 0, 0, fmt.Errorf("read letter: %w", err)
				}
				size += n
				letters++
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return 0, 0, 0, fmt.Errorf("fetch %s: %w", mailbox, err)
	}
	return time.Since(start), letters, size, nil
}

// bestDownload is the median of three downloads: one download of small
// letters takes a few tens of milliseconds, where one hiccup shows.
func (l *lab) bestDownload(mailbox string) (time.Duration, int, int64, error) {
	var times []time.Duration
	var letters int
	var size int64
	for range 3 {
		d, n, s, err := l.download(mailbox)
		if err != nil {
			return 0, 0, 0, err
		}
		times, letters, size = append(times, d), n, s
	}
	slices.Sort(times)
	return times[1], letters, size, nil
}

// outgoing is an acknowledgement ready to send.
type outgoing struct {
	from, to string
	raw      []byte
}

// acknowledgements renders n acknowledgements the way ticketd does, one per
// sender in senders (taken in turn), so the floor sends letters of the size
// and shape ticketd sends.
func acknowledgements(n int, senders []string) ([]outgoing, error) {
	tmpl, err := templates.Load("", nil)
	if err != nil {
		return nil, err
	}
	from, err := mail.ParseAddress(ourAddress)
	if err != nil {
		return nil, err
	}
	ack := &replies.Acknowledger{Templates: tmpl, From: *from}
	now := time.Now()
	out := make([]outgoing, 0, n)
	for i := range n {
		to := senders[i%len(senders)]
		t := store.Ticket{
			Number: store.TicketNumber(int64(i + 1)), Status: store.StatusNew, Priority: store.PriorityNormal, Language: "ru",
			CitizenName: "Иван Петров", CitizenAddress: to, Subject: "Не могу войти в личный кабинет",
			AccountNumber: "7712034", DueAt: now.Add(24 * time.Hour),
		}
		o, err := ack.Acknowledge(t, replies.Received{
			MessageID: fmt.Sprintf("%d@example.ru", i), From: mail.Address{Name: t.CitizenName, Address: to},
			Subject: t.Subject, At: now, Template: replies.TemplateAck,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, outgoing{from: o.EnvelopeFrom, to: o.EnvelopeTo, raw: o.Raw})
	}
	return out, nil
}

// send delivers letters over one SMTP connection with net/smtp and returns
// how long that took, from dialling to QUIT.
func send(ctx context.Context, addr string, letters []outgoing) (time.Duration, error) {
	start := time.Now()
	c, err := smtp.Dial(addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return 0, err
	}
	for i, o := range letters {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if err := c.Mail(o.from); err != nil {
			return 0, fmt.Errorf("letter %d: MAIL: %w", i, err)
		}
		if err := c.Rcpt(o.to); err != nil {
			return 0, fmt.Errorf("letter %d: RCPT: %w", i, err)
		}
		w, err := c.Data()
		if err != nil {
			return 0, fmt.Errorf("letter %d: DATA: %w", i, err)
		}
		if _, err := w.Write(o.raw); err != nil {
			return 0, fmt.Errorf("letter %d: DATA: %w", i, err)
		}
		if err := w.Close(); err != nil {
			return 0, fmt.Errorf("letter %d: end of DATA: %w", i, err)
		}
	}
	if err := c.Quit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// sendParallel delivers letters over conns SMTP connections at once, each
// taking its share in turn, and returns how long the slowest took.
func sendParallel(ctx context.Context, addr string, letters []outgoing, conns int) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, conns)
	for c := range conns {
		var share []outgoing
		for i := c; i < len(letters); i += conns {
			share = append(share, letters[i])
		}
		wg.Go(func() { _, errs[c] = send(ctx, addr, share) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}
