package main

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig reads the bombs
	_ "image/jpeg"
	_ "image/png"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/mailtest"
)

// TestHostileLetters delivers the battery of hostile letters
// (hostile_letters_test.go), with ordinary citizens' letters between
// them, to one mailbox of a real Dovecot, runs the real daemon over it
// (hostile_run_test.go), and checks for each letter, in a subtest named
// after it:
//   - it is stored: a message row holds exactly the bytes Dovecot serves
//     for it, on a ticket; a letter delivered again joins its first copy;
//   - intake goes on: it did not stop the daemon, and it ends \Seen;
//   - it is answered as it must be (answerWant): at most one
//     acknowledgement, only to its sender, no Cc or Bcc; none for automatic
//     mail; an answer.failed event when there is nobody to answer;
//   - each acknowledgement is well formed: CRLF only, no line over 998
//     octets, no header field that replies.Compose does not write.
//
// The subtest "intake" checks the runs: each exits 0, none is stopped by a
// letter, the daemon's peak resident set stays under peakBoundMB, and
// Mailpit holds nothing the store does not account for.
func TestHostileLetters(t *testing.T) {
	begin := time.Now()
	letters := hostileBattery()
	raws := make([][]byte, len(letters))
	for i, l := range letters {
		raws[i] = l.raw
	}
	built := time.Since(begin)
	bin := buildTicketd(t)
	s := startServers(t, "")
	uids := s.dovecot.AppendEach(t, "INBOX", raws)
	served := s.dovecot.Raw(t, "INBOX")
	if len(served) != len(letters) {
		t.Fatalf("INBOX holds %d letters after appending %d", len(served), len(letters))
	}
	delivered := time.Since(begin)

	runs, blocked := driveDaemon(t, bin, s, uids, time.Now().Add(runsTimeout))
	ran := time.Since(begin)

	o := readOutcome(t, s)
	seen := map[uint32]bool{}
	for _, l := range s.dovecot.List(t, "INBOX") {
		seen[l.UID] = l.Seen
	}
	byName := map[string]int{}
	for i, l := range letters {
		byName[l.name] = i
	}

	t.Run("intake", func(t *testing.T) {
		alone := func(uid uint32) int64 { return alonePeakKB(t, bin, served[uid]) }
		checkIntake(t, letters, uids, runs, blocked, o, alone)
	})
	for _, class := range []string{classCitizen, classSender, classMessageID, classLength, classTerminal,
		classImage, classMIME, classLoop} {
		t.Run(class, func(t *testing.T) {
			for i, l := range letters {
				if l.class != class {
					continue
				}
				t.Run(l.name, func(t *testing.T) {
					c := letterCheck{l: l, uid: uids[i], served: served[uids[i]], seen: seen[uids[i]], o: o,
						mailpit: s.mailpit, said: daemonSaid(runs, uids[i])}
					if r, ok := blocked[uids[i]]; ok {
						c.blocked = &r
					}
					if l.sameAs != "" {
						j := byName[l.sameAs]
						c.first, c.firstServed = letters[j], served[uids[j]]
					}
					c.check(t)
				})
			}
		})
	}
	t.Logf("%d letters (%s): built in %v, delivered to Dovecot by %v, %d runs of ticketd done by %v, checked by %v",
		len(letters), classCounts(letters), built.Round(time.Millisecond), delivered.Round(time.Millisecond),
		len(runs), ran.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))
}

// peakBoundMB bounds the daemon's resident set, reading two letters at a
// time (GOMAXPROCS=2, see runChild). The battery without its pixel bomb
// peaks at 150 to 180 MB: some 90 MB, and 60 to 90 more while the letter
// with PDF object streams that inflate to 200 MB is read (the PDF check inflates
// up to 8 × attachments.max_size_mb of each). Two such letters in one fetch
// may be read at once and add up, so the battery has one. A decoded pixel
// bomb takes far more: 49 Mpx at 16 bits a channel are 392 MB.
const peakBoundMB = 300

// checkIntake checks the runs and what no single letter accounts for. A
// run over the memory bound is explained by reading each of its letters
// alone: alone returns that peak, in kilobytes.
func checkIntake(t *testing.T, letters []hostileLetter, uids []uint32, runs []daemonRun, blocked map[uint32]daemonRun,
	o *outcome, alone func(uid uint32) int64) {
	nameOf := map[uint32]string{}
	for i, l := range letters {
		nameOf[uids[i]] = l.name
	}
	stoppedBy := map[int]bool{} // runs a letter stopped; that letter's subtest shows how
	for _, r := range blocked {
		stoppedBy[r.n] = true
	}
	for _, r := range runs {
		if r.stopped() && !stoppedBy[r.n] {
			t.Errorf("%v, want exit status 0; it ended with:\n%s", r, endOf(r.logs))
		}
		if r.peakKB>>10 < peakBoundMB {
			continue
		}
		// The run read from the letter after its watermark to the end of
		// the mailbox, or of the batch it stopped in.
		type peak struct {
			uid uint32
			kb  int64
		}
		var peaks []peak
		for _, uid := range uids {
			if uid > r.before {
				peaks = append(peaks, peak{uid, alone(uid)})
			}
		}
		slices.SortFunc(peaks, func(a, b peak) int { return int(b.kb - a.kb) })
		var top []string
		for _, p := range peaks[:min(3, len(peaks))] {
			top = append(top, fmt.Sprintf("%s %d MB", nameOf[p.uid], p.kb>>10))
		}
		t.Errorf("%v: peak resident set %d MB, want under %d MB; read alone by \"ticketd parse\", its letters "+
			"that take the most are: %s", r, r.peakKB>>10, peakBoundMB, strings.Join(top, ", "))
	}
	if len(blocked) > 0 {
		stops := slices.Sorted(maps.Keys(blocked))
		var names []string
		for _, uid := range stops {
			names = append(names, fmt.Sprintf("%s (UID %d, run #%d, exit status %d)", nameOf[uid], uid, blocked[uid].n, blocked[uid].exit))
		}
		after := 0
		for _, uid := range uids {
			if uid > stops[0] {
				after++
			}
		}
		t.Errorf("intake stopped %d times, at: %s; the battery moved the watermark past each to read on, "+
			"so the %d letters after the first stop were read only thanks to it",
			len(blocked), strings.Join(names, ", "), after)
	}
	peak := slices.MaxFunc(runs, func(a, b daemonRun) int { return int(a.peakKB - b.peakKB) })
	t.Logf("%d runs; highest peak resident set %d MB in run #%d", len(runs), peak.peakKB>>10, peak.n)

	// Everything Mailpit caught answers a stored letter.
	ours := map[string]bool{}
	for _, sl := range o.inbound {
		for _, a := range sl.answers {
			ours[a.MessageID] = true
		}
	}
	for _, m := range o.all {
		if !ours[m.MessageID] {
			t.Errorf("Mailpit caught %q to %v (Message-ID %s), which the store does not hold as an answer", m.Subject, m.To, m.MessageID)
		}
	}
	// Every stored letter is one of the battery's.
	known := map[uint32]bool{}
	for _, u := range uids {
		known[u] = true
	}
	for _, sl := range o.inbound {
		if sl.msg.Mailbox != "INBOX" || !known[sl.msg.UID] {
			t.Errorf("the store holds a letter the battery did not send: %v, mailbox %q UID %d", sl, sl.msg.Mailbox, sl.msg.UID)
		}
	}
}

// letterCheck is what one letter's subtest checks.
type letterCheck struct {
	l       hostileLetter
	uid     uint32
	served  []byte // the letter as Dovecot serves it
	seen    bool
	blocked *daemonRun // the run it stopped, if it stopped one
	said    string     // what the daemon logged about it
	o       *outcome
	mailpit *mailtest.Mailpit
	// For a letter delivered again: the first delivery.
	first       hostileLetter
	firstServed []byte
}

func (c letterCheck) check(t *testing.T) {
	l := c.l
	if c.blocked != nil {
		t.Errorf("intake stopped at this letter (UID %d): %v; the battery moved the watermark past it. The run ended with:\n%s",
			c.uid, *c.blocked, endOf(c.blocked.logs))
		return
	}
	if c.served == nil {
		t.Fatalf("Dovecot serves nothing for UID %d", c.uid)
	}
	if !bytes.Equal(c.served, l.raw) && testing.Verbose() {
		t.Logf("Dovecot serves %d bytes for the %d appended (it writes CRLF and turns NUL into 0x80); "+
			"the store must keep what it serves", len(c.served), len(l.raw))
	}
	if !c.seen {
		t.Errorf("UID %d is not \\Seen in INBOX after the runs", c.uid)
	}
	if l.sameAs != "" {
		c.checkRedelivery(t)
		return
	}
	sl := c.o.bySHA[sha256Of(c.served)]
	if sl == nil {
		if other := c.o.byUID[c.uid]; other != nil {
			t.Errorf("stored with other bytes: %v holds %d bytes for UID %d, want the %d Dovecot serves (they differ from offset %d)",
				other, len(other.raw), c.uid, len(c.served), firstDifference(other.raw, c.served))
		} else {
			t.Errorf("not stored: no message row holds its %d bytes (sha256 %s) or UID %d; the daemon logged:\n%s",
				len(c.served), sha256Of(c.served), c.uid, c.said)
		}
		return
	}
	if l.rejects != "" {
		c.checkRejected(t, sl)
	}
	caught, unsent := c.o.acks(sl)
	for _, u := range unsent {
		t.Errorf("an answer to it, %s (template %q) to %s, is queued but was not sent", u.MessageID, u.Template, u.ToAddress)
	}
	failed, hasFailed := sl.event("answer.failed")
	refused, hasRefused := sl.event("reply.failed")
	switch l.want {
	case answerOnce:
		if len(caught) != 1 {
			t.Errorf("%d acknowledgements in Mailpit (%d answers queued on %v), want 1 to %s; events: %s",
				len(caught), len(sl.answers), sl, l.to, eventList(sl))
		}
	case answerNever:
		if len(caught) > 0 || len(sl.answers) > 0 {
			t.Errorf("automatic mail was answered: %d answers queued on %v, %d in Mailpit to %s; want none",
				len(sl.answers), sl, len(caught), recipients(caught))
		}
	case answerFailed:
		if len(caught) > 0 || len(sl.answers) > 0 {
			t.Errorf("%d answers queued on %v, %d in Mailpit to %s; want none: the letter has no address to answer",
				len(sl.answers), sl, len(caught), recipients(caught))
		}
		if !hasFailed || strings.TrimSpace(strings.TrimPrefix(failed, "answer.failed:")) == "" {
			t.Errorf("its ticket %s does not say why it was not answered: want an answer.failed event with the reason; events: %s",
				sl.ticket.Number, eventList(sl))
		}
	case answerOnceOrFailed:
		switch {
		case len(caught) == 0 && !hasFailed && !hasRefused:
			t.Errorf("not answered, and its ticket %s does not say why: want one acknowledgement to %s, or an answer.failed "+
				"(or reply.failed) event; events: %s", sl.ticket.Number, l.to, eventList(sl))
		case len(caught) > 1:
			t.Errorf("%d acknowledgements in Mailpit, want at most 1", len(caught))
		case len(caught) == 0 && testing.Verbose():
			t.Logf("not answered; the ticket says %s%s", failed, refused)
		}
	}
	for _, m := range caught {
		c.checkAck(t, m)
	}
}

// daemonSaid returns the lines the runs logged about the letter with uid.
func daemonSaid(runs []daemonRun, uid uint32) string {
	var said []string
	tag := fmt.Sprintf(" uid=%d ", uid)
	for _, r := range runs {
		for _, line := range strings.Split(r.logs, "\n") {
			if strings.Contains(line+" ", tag) {
				said = append(said, line)
			}
		}
	}
	if len(said) == 0 {
		return "(nothing)"
	}
	return strings.Join(said, "\n")
}

// checkRejected checks that the letter's file l.rejects is stored and
// rejected.
func (c letterCheck) checkRejected(t *testing.T, sl *storedLetter) {
	t.Helper()
	var names []string
	for _, f := range sl.files {
		if f.OriginalName != c.l.rejects && f.Filename != c.l.rejects {
			names = append(names, f.Filename)
			continue
		}
		if f.Verdict != "rejected" {
			t.Errorf("file %s: verdict %q (%s %d×%d, reason %q), want rejected",
				c.l.rejects, f.Verdict, f.DetectedType, f.Width, f.Height, f.Reason)
		}
		return
	}
	t.Errorf("file %s is not stored with the letter; its files: %v", c.l.rejects, names)
}

// checkRedelivery checks a letter delivered a second time with more
// Received fields: the first copy is stored, and neither a second ticket
// nor a second acknowledgement came of this one.
func (c letterCheck) checkRedelivery(t *testing.T) {
	first := c.o.bySHA[sha256Of(c.firstServed)]
	if first == nil {
		t.Errorf("the first delivery, %s, is not stored", c.first.name)
		return
	}
	if again := c.o.bySHA[sha256Of(c.served)]; again != nil && again.ticket.ID != first.ticket.ID {
		t.Errorf("stored as a new ticket %v, want it recognised as %s (%v)", again, c.first.name, first)
	}
	answers := 0
	for _, sl := range c.o.inbound {
		if sl.ticket.ID == first.ticket.ID {
			answers += len(sl.answers)
		}
	}
	caught := 0
	for _, m := range c.o.all {
		for _, to := range m.To {
			if sameMailbox(to.Address, c.first.to) {
				caught++
			}
		}
	}
	if answers != 1 || caught != 1 {
		t.Errorf("delivered twice, answered %d times in the store and %d in Mailpit to %s, want once", answers, caught, c.first.to)
	}
}

// checkAck checks one acknowledgement Mailpit caught for the letter.
func (c letterCheck) checkAck(t *testing.T, m mailtest.Message) {
	t.Helper()
	want := append([]string{c.l.to}, c.l.also...)
	goodTo := func(addr string) bool {
		for _, w := range want {
			if w != "" && sameMailbox(addr, w) {
				return true
			}
		}
		return false
	}
	raw := c.mailpit.Raw(t, m.ID)
	problems, fields := ackProblems(raw)
	// QUIRK: Mailpit adds a Bcc field naming each envelope recipient that
	// it does not find, as a string, among the addresses it parsed from To
	// and Cc; a quoted local part ("john smith"@example.ru in RCPT TO)
	// parses unquoted, so Mailpit adds it to Bcc although it is the one To.
	// Such a Bcc, equal to the envelope recipient of its Received field
	// and the same mailbox as the one To, is Mailpit's and not ours.
	mailpitBcc := false
	if bcc, rcvd := fields["Bcc"], fields["Received"]; len(bcc) == 1 && len(rcvd) == 1 && len(m.To) == 1 &&
		strings.TrimSpace(bcc[0]) == envelopeRecipient(rcvd[0]) && sameMailbox(bcc[0], m.To[0].Address) {
		mailpitBcc = true
	}
	for _, p := range problems {
		if mailpitBcc && strings.HasPrefix(p, "field Bcc:") {
			continue
		}
		t.Errorf("acknowledgement %s (%d bytes): %s", m.MessageID, len(raw), p)
	}
	if c.l.to == "" {
		return // that it exists is the failure, reported above
	}
	if len(m.To) != 1 || !goodTo(m.To[0].Address) || len(m.Cc) > 0 || (len(m.Bcc) > 0 && !mailpitBcc) {
		t.Errorf("acknowledgement %s went to To %v, Cc %v, Bcc %v; want To %s alone", m.MessageID, m.To, m.Cc, m.Bcc, c.l.to)
	}
	if to := fields["To"]; len(to) == 1 && !goodTo(addressOfTo(to[0])) {
		t.Errorf("acknowledgement %s has To: %.200q, want %s", m.MessageID, to[0], c.l.to)
	}
	// Mailpit's Received names the envelope recipient ("for <…>"); others
	// would show as Bcc, checked above.
	if rcvd := fields["Received"]; len(rcvd) == 1 && !goodTo(envelopeRecipient(rcvd[0])) {
		t.Errorf("acknowledgement %s: the envelope recipient in Mailpit's Received is %q, want %s",
			m.MessageID, envelopeRecipient(rcvd[0]), c.l.to)
	}
}

// envelopeRecipient is the address in "for <…>" of a Received field.
func envelopeRecipient(received string) string {
	_, rest, ok := strings.Cut(received, " for <")
	if !ok {
		return ""
	}
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

func recipients(ms []mailtest.Message) string {
	var to []string
	for _, m := range ms {
		for _, a := range append(append(m.To, m.Cc...), m.Bcc...) {
			to = append(to, a.Address)
		}
	}
	return "[" + strings.Join(to, ", ") + "]"
}

func eventList(sl *storedLetter) string {
	var es []string
	for _, e := range sl.events {
		es = append(es, fmt.Sprintf("%s(%.100q)", e.Action, e.Detail))
	}
	return strings.Join(es, ", ")
}

func classCounts(letters []hostileLetter) string {
	n := map[string]int{}
	for _, l := range letters {
		n[l.class]++
	}
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(n)) {
		parts = append(parts, fmt.Sprintf("%s %d", c, n[c]))
	}
	return strings.Join(parts, ", ")
}

// TestHostileBatteryIsWellFormed checks the battery itself, without
// servers: enough letters in every class, unique names, bytes and senders,
// and bombs that declare what they claim.
func TestHostileBatteryIsWellFormed(t *testing.T) {
	letters := hostileBattery()
	perClass := map[string]int{}
	names, sums, senders := map[string]bool{}, map[string]string{}, map[string]string{}
	for _, l := range letters {
		perClass[l.class]++
		if names[l.name] {
			t.Errorf("two letters are called %s", l.name)
		}
		names[l.name] = true
		if other, ok := sums[sha256Of(l.raw)]; ok {
			t.Errorf("%s has the same bytes as %s", l.name, other)
		}
		sums[sha256Of(l.raw)] = l.name
		if l.to != "" {
			if other, ok := senders[strings.ToLower(l.to)]; ok {
				t.Errorf("%s and %s are both from %s; auto_per_hour could decide their answers", l.name, other, l.to)
			}
			senders[strings.ToLower(l.to)] = l.name
		}
		if (l.want == answerOnce || l.want == answerOnceOrFailed) != (l.to != "") && l.sameAs == "" {
			t.Errorf("%s: want %v with address %q", l.name, l.want, l.to)
		}
	}
	if hostile := len(letters) - perClass[classCitizen]; hostile < 60 {
		t.Errorf("%d hostile letters, want at least 60", hostile)
	}
	for c, n := range perClass {
		if n < 3 {
			t.Errorf("class %s has %d letters, want several", c, n)
		}
	}
	t.Logf("%d letters: %s", len(letters), classCounts(letters))

	// zlibZeros inflates to exactly n zeros, its checksum included.
	for _, n := range []int{0, 1, 1<<20 - 1, 3<<20 + 5} {
		zr, err := zlib.NewReader(bytes.NewReader(zlibZeros(n)))
		if err != nil {
			t.Fatalf("zlibZeros(%d): %v", n, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil || len(b) != n || bytes.ContainsFunc(b, func(r rune) bool { return r != 0 }) {
			t.Errorf("zlibZeros(%d) inflates to %d bytes, %v; want %d zeros", n, len(b), err, n)
		}
	}
	for _, tt := range []struct {
		name string
		b    []byte
		w, h int
	}{
		{"png 49 Mpx", pngDeclaring(7000, 7000, 16, 6, 0), 7000, 7000},
		{"png 100000²", pngDeclaring(100000, 100000, 8, 2, 4), 100000, 100000},
		{"jpeg 65500²", jpegDeclaring(65500, 65500), 65500, 65500},
		{"gif 65535²", gifScreen(65535, 65535), 65535, 65535},
	} {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(tt.b))
		if err != nil || cfg.Width != tt.w || cfg.Height != tt.h {
			t.Errorf("%s: DecodeConfig = %d×%d, %v; want %d×%d", tt.name, cfg.Width, cfg.Height, err, tt.w, tt.h)
		}
		if len(tt.b) > 1<<20 {
			t.Errorf("%s is %d bytes; the bombs must stay small", tt.name, len(tt.b))
		}
	}
}
