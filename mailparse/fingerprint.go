package mailparse

import (
	"bytes"
	"strings"
)

// Fingerprint returns the identity of a letter's content: the SHA-256, in
// hex, of its header without the fields that servers add on the way (trace
// fields: Received, Return-Path, Delivered-To, authentication results,
// spam and virus scores, ...) and of its body.
//
// The same letter delivered twice, or through another relay, has the same
// fingerprint; a different letter under a Message-ID already seen has
// another. The header is read as Parse reads it, names compared without
// case and values with white space folded (as DKIM's "relaxed"
// canonicalisation, RFC 6376 section 3.4.2); the body with line endings
// made LF, white space at line ends and blank lines at the end dropped
// (section 3.4.4). Bytes that have no header at all are taken whole, so
// every input has a fingerprint.
func Fingerprint(raw []byte) string {
	sum, _ := fingerprint(memSource(raw)) // bytes in memory cannot fail
	return sum
}

// traceField reports whether the header field named name (in lower case)
// is one that a server on the way adds or rewrites, rather than part of
// what the sender wrote.
func traceField(name string) bool {
	switch name {
	case "received", "return-path", "delivered-to", "x-original-to", "envelope-to", "x-envelope-to",
		"x-envelope-from", "authentication-results", "received-spf", "arc-seal", "arc-message-signature",
		"arc-authentication-results", "dkim-signature", "x-received", "x-forwarded-to",
		"x-forwarded-for", "x-delivered-to", "status", "x-status", "x-keywords", "x-uid",
		"content-length", "lines", "x-gm-message-state", "x-google-smtp-source":
		return true
	}
	for _, prefix := range []string{"x-spam", "x-virus", "x-rspamd", "x-ms-exchange-", "x-forefront-",
		"x-microsoft-antispam", "x-yandex-", "x-mailru-", "x-kaspersky", "x-proofpoint", "x-mimecast"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// writeCanonicalBody writes body with LF line endings, no white space at
// line ends and no blank lines at its end.
func writeCanonicalBody(w interface{ Write([]byte) (int, error) }, body []byte) {
	blank := 0 // blank lines seen but not yet written
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		if len(line) == 0 {
			blank++
			continue
		}
		for ; blank > 0; blank-- {
			w.Write([]byte{'\n'})
		}
		w.Write(line)
		w.Write([]byte{'\n'})
	}
}
