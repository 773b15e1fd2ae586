package replies

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ErrBadRecipient is what Compose's error wraps when the recipient's
// address cannot be written in a letter: it is empty, malformed, too long,
// or needs SMTPUTF8. Retrying will not change it; see RecipientError.
var ErrBadRecipient = errors.New("replies: recipient cannot be written")

// RecipientError says why an address cannot be written. It matches
// ErrBadRecipient with errors.Is.
type RecipientError struct {
	Template string // the letter's template
	Address  string // the address as given
	Reason   string // what is wrong with it
}

func (e *RecipientError) Error() string {
	return fmt.Sprintf("replies: compose %s: recipient %q cannot be written: %s", e.Template, e.Address, e.Reason)
}

// Is makes errors.Is(err, ErrBadRecipient) true.
func (e *RecipientError) Is(target error) bool { return target == ErrBadRecipient }

// Limits of what Compose writes.
const (
	// MaxNameRunes is the longest display name written; a longer one is
	// cut and ends in "…".
	MaxNameRunes = 64
	maxLocal     = 64  // octets of a local part, RFC 5321 section 4.5.3.1.1
	maxDomain    = 253 // octets of a domain name, RFC 1035 section 2.3.4 less the root
	maxPath      = 254 // octets of an address in a reverse or forward path, RFC 5321 section 4.5.3.1.3 less "<>"
)

// mailbox is an address as Compose writes it.
type mailbox struct {
	header *mail.Address // for the From, To or Reply-To field
	path   string        // for MAIL FROM or RCPT TO, without brackets
}

// writeMailbox checks that a can be written in a 7-bit letter and an SMTP
// command and returns how. The address must be a well-formed addr-spec
// with an ASCII local part; a domain in Unicode (пример.рф) is written as
// its A-label (xn--e1afmkfd.xn--p1ai), a local part that is not a
// dot-atom is quoted ("john smith"@example.ru). The name is cleaned by
// displayName and, if it still does not survive a round trip through
// net/mail, dropped: the letter goes to the bare address.
func writeMailbox(a mail.Address) (mailbox, error) {
	addr, err := writableAddress(a.Address)
	if err != nil {
		return mailbox{}, err
	}
	bare := &mail.Address{Address: addr}
	written := bare.String()
	back, err := mail.ParseAddress(written)
	if err != nil || back.Address != addr {
		return mailbox{}, fmt.Errorf("net/mail does not read %s back", written)
	}
	mb := mailbox{header: bare, path: strings.TrimSuffix(strings.TrimPrefix(written, "<"), ">")}
	if len(mb.path) > maxPath {
		return mailbox{}, fmt.Errorf("longer than %d octets when written", maxPath)
	}
	if name := displayName(a.Name); name != "" {
		named := &mail.Address{Name: name, Address: addr}
		if back, err := mail.ParseAddress(named.String()); err == nil && back.Name == name && back.Address == addr {
			mb.header = named
		}
	}
	return mb, nil
}

// writableAddress returns addr as it can be written: local part unchanged
// (in net/mail's convention, unquoted), domain in ASCII. Its error says
// why it cannot be.
func writableAddress(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	switch {
	case addr == "":
		return "", errors.New("no address")
	case !utf8.ValidString(addr):
		return "", errors.New("not UTF-8")
	}
	// A quoted local part may hold an '@' ("a@b"@example.ru, which net/mail
	// gives as "a@b@example.ru"), but nobody has one, and the same string
	// is what a From with a doubled @ (a@@example.ru, a@b@example.ru) gave
	// before mailparse refused them: written, it would go to the wrong
	// mailbox or a stranger's domain.
	switch strings.Count(addr, "@") {
	case 0:
		return "", errors.New("no @")
	case 1:
	default:
		return "", errors.New("more than one @")
	}
	at := strings.IndexByte(addr, '@')
	local, domain := addr[:at], addr[at+1:]
	if local == "" {
		return "", errors.New("no local part")
	}
	for i := 0; i < len(local); i++ {
		switch c := local[i]; {
		case c >= utf8.RuneSelf:
			// RFC 6531: a UTF-8 local part needs SMTPUTF8 on every hop
			// and an 8-bit header; ticketd writes 7-bit letters.
			return "", errors.New("the local part is not ASCII (it would need SMTPUTF8)")
		case c < ' ' || c == 0x7f:
			return "", errors.New("control character in the local part")
		}
	}
	domain, err := writableDomain(domain)
	if err != nil {
		return "", err
	}
	if len(quoteLocal(local)) > maxLocal {
		return "", fmt.Errorf("local part longer than %d octets", maxLocal)
	}
	return local + "@" + domain, nil
}

// writableDomain returns domain in ASCII: a host name of letters, digits,
// hyphens and underscores, or an IPv4 address literal ([192.0.2.1]). A
// Unicode name is converted to its A-labels (RFC 5890); one trailing dot
// is dropped.
func writableDomain(domain string) (string, error) {
	if domain == "" {
		return "", errors.New("no domain")
	}
	if strings.HasPrefix(domain, "[") {
		// IPv6 literals ([IPv6:2001:db8::1]) are refused with the rest:
		// net/mail and go-message cannot read them back.
		lit, ok := strings.CutSuffix(domain[1:], "]")
		if ip := net.ParseIP(lit); ok && ip != nil && ip.To4() != nil && !strings.Contains(lit, ":") {
			return domain, nil
		}
		return "", fmt.Errorf("domain %q is not an IPv4 address literal", domain)
	}
	domain = strings.TrimSuffix(domain, ".")
	for i := 0; i < len(domain); i++ {
		if domain[i] >= utf8.RuneSelf {
			ascii, err := idna.Lookup.ToASCII(domain)
			if err != nil {
				return "", fmt.Errorf("domain %q: %v", domain, err)
			}
			domain = ascii
			break
		}
	}
	if domain == "" || len(domain) > maxDomain {
		return "", fmt.Errorf("domain of %d octets", len(domain))
	}
	for label := range strings.SplitSeq(domain, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", fmt.Errorf("domain %q has a bad label %q", domain, label)
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("domain %q has %q in it", domain, c)
			}
		}
	}
	return domain, nil
}

// quoteLocal returns the local part as net/mail writes it.
func quoteLocal(local string) string {
	s := (&mail.Address{Address: local + "@x"}).String()
	return s[1 : len(s)-len("@x>")]
}

// displayName makes a display name safe to write (RFC 5322 section 3.4): one
// line without control characters, line separators or bidi controls, with
// single spaces, at most MaxNameRunes long. A name that holds an '@' or
// "=?" is dropped: the first is how a forger passes off another address
// as the sender's, the second could read as an encoded word in clients
// that decode them inside quotes.
func displayName(name string) string {
	name = oneLine(name, MaxNameRunes)
	if strings.Contains(name, "@") || strings.Contains(name, "=?") {
		return ""
	}
	return name
}
