package redact

import "log/slog"

// Err is err as the log attribute "err", its text masked by Text: an error
// from a mail server, or one that names a letter's file or sender, quotes
// what came from the letter.
func Err(err error) slog.Attr {
	if err == nil {
		return slog.String("err", "")
	}
	return slog.String("err", Text(err.Error()))
}
