package mailparse

import "bytes"

// splitMultipart cuts a multipart body (RFC 2046 section 5.1.1) into the
// stretches of its parts. It stops after max+1 parts. closed reports
// whether the close delimiter was found; without it the last part runs to
// the end of the body.
//
// Delimiters are found with bytes.Index over the body (in windows when it
// is not in memory), so parts are stretches of the message and nothing is
// copied. A delimiter line must start a line and be followed by "--",
// white space or the end of the line, so that a boundary that is a prefix
// of another (Outlook's "----=_NextPart_000" and "----=_NextPart_000_0001")
// does not match.
func splitMultipart(s *scanner, boundary string, max int) (parts []body, closed bool) {
	delim := []byte("--" + boundary)
	n := s.b.n
	start := int64(-1) // where the current part's bytes begin
	pos := int64(0)
	for pos < n {
		i := s.index(pos, delim)
		if i < 0 {
			break
		}
		after := i + int64(len(delim))
		pos = after
		if i > 0 && s.byteAt(i-1) != '\n' {
			continue
		}
		isClose := bytes.HasPrefix(s.at(after, 2), []byte("--"))
		if !isClose && !restIsSpace(s, after) {
			continue
		}
		if start >= 0 {
			parts = append(parts, s.b.sub(start, trimDelimEOL(s, start, i)))
			if len(parts) > max {
				return parts, false
			}
		}
		if isClose {
			return parts, true
		}
		start = s.lineEnd(after)
		pos = start
	}
	if start >= 0 {
		parts = append(parts, s.b.sub(start, n))
	}
	return parts, false
}

// restIsSpace reports whether the rest of the delimiter line from pos is
// transport padding.
func restIsSpace(s *scanner, pos int64) bool {
	for pos < s.b.n {
		w := s.at(pos, 1)
		if len(w) == 0 {
			return true
		}
		for _, c := range w {
			switch c {
			case '\n':
				return true
			case ' ', '\t', '\r':
			default:
				return false
			}
		}
		pos += int64(len(w))
	}
	return true
}

// trimDelimEOL returns the end of the part [start, end) without the line
// break that belongs to the delimiter after it.
func trimDelimEOL(s *scanner, start, end int64) int64 {
	if end > start && s.byteAt(end-1) == '\n' {
		end--
	}
	if end > start && s.byteAt(end-1) == '\r' {
		end--
	}
	return end
}

// guessBoundary finds the boundary of a multipart whose Content-Type lost
// it: the first line of the body that starts with "--".
//
// QUIRK: seen from broken list software and hand-edited messages.
func guessBoundary(s *scanner) string {
	for pos := int64(0); pos < s.b.n && pos < 4096; {
		end := s.lineEnd(pos)
		if s.byteAt(pos) == '-' && s.byteAt(pos+1) == '-' {
			// The line without its EOL and the blanks before it.
			t := end
			if t > pos && s.byteAt(t-1) == '\n' {
				t--
			}
			if t > pos && s.byteAt(t-1) == '\r' {
				t--
			}
			t = s.trimRightFrom(pos, t, " \t")
			if t-pos > 2 && t-pos <= 200 {
				line := s.at(pos, int(t-pos))
				if len(line) >= int(t-pos) {
					if b := bytes.TrimSuffix(line[2:t-pos], []byte("--")); len(b) > 0 {
						return string(b) // a close delimiter names the boundary too
					}
				}
			}
		}
		pos = end
	}
	return ""
}
