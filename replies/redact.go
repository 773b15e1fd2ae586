package replies

import (
	"log/slog"
	"regexp"
)

// addressInText matches what looks like an e-mail address inside a mail
// server's reply ("550 5.1.1 <ivan@example.ru>: Recipient address
// rejected"): a local part and a domain around an @.
var addressInText = regexp.MustCompile(`[^\s<>"'(),;:@\[\]]+@([^\s<>"'(),;:@\[\]]+)`)

// redactAddresses hides the local part of every address in s, keeping the
// domain (which server refused is worth knowing; whose mailbox it was is
// personal data and stays in the store, where operators see it).
func redactAddresses(s string) string {
	return addressInText.ReplaceAllString(s, "…@$1")
}

// logErr is err as a log attribute with the addresses it quotes hidden:
// an SMTP error often repeats the recipient, and the log is no place for
// a citizen's address.
func logErr(err error) slog.Attr {
	if err == nil {
		return slog.String("err", "")
	}
	return slog.String("err", redactAddresses(err.Error()))
}
