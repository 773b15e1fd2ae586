package mailparse

import "bytes"

// splitMultipart cuts a multipart body (RFC 2046 section 5.1.1) into the
// raw bytes of its parts. It stops after max+1 parts. closed reports whether
// the close delimiter was found; without it the last part runs to the end of
// the body.
//
// Delimiters are found with bytes.Index over the whole body, so nested parts
// are slices of the message and nothing is copied. A delimiter line must start
// a line and be followed by "--", white space or the end of the line, so that
// a boundary that is a prefix of another (Outlook's "----=_NextPart_000" and
// "----=_NextPart_000_0001") does not match.
func splitMultipart(body []byte, boundary string, max int) (parts [][]byte, closed bool) {
	delim := []byte("--" + boundary)
	start := -1 // where the current part's bytes begin
	pos := 0
	for pos < len(body) {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		after := i + len(delim)
		pos = after
		if i > 0 && body[i-1] != '\n' {
			continue
		}
		isClose := bytes.HasPrefix(body[after:], []byte("--"))
		if !isClose && !restIsSpace(body[after:lineEnd(body, after)]) {
			continue
		}
		if start >= 0 {
			parts = append(parts, trimDelimEOL(body[start:i]))
			if len(parts) > max {
				return parts, false
			}
		}
		if isClose {
			return parts, true
		}
		start = lineEnd(body, after)
		pos = start
	}
	if start >= 0 {
		parts = append(parts, body[start:])
	}
	return parts, false
}

// restIsSpace reports whether the rest of a delimiter line is transport
// padding.
func restIsSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// trimDelimEOL removes the line break that belongs to the delimiter after a
// part.
func trimDelimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// guessBoundary finds the boundary of a multipart whose Content-Type lost
// it: the first line of the body that starts with "--".
//
// QUIRK: seen from broken list software and hand-edited messages.
func guessBoundary(body []byte) string {
	for pos := 0; pos < len(body) && pos < 4096; {
		end := lineEnd(body, pos)
		line := bytes.TrimRight(trimEOL(body[pos:end]), " \t")
		if len(line) > 2 && len(line) <= 200 && bytes.HasPrefix(line, []byte("--")) {
			if b := bytes.TrimSuffix(line[2:], []byte("--")); len(b) > 0 {
				return string(b) // a close delimiter names the boundary too
			}
		}
		pos = end
	}
	return ""
}
