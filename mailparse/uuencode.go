package mailparse

import (
	"bytes"
	"strings"
)

// uuFile is a file uuencoded inside a text body.
type uuFile struct {
	name string
	body []byte
}

// extractUU cuts the uuencoded files ("begin 644 name" … "end") out of a
// text body with LF line breaks and returns the text without them.
//
// QUIRK: Outlook Express, old versions of The Bat! and Unix mail(1) send
// attachments uuencoded in the text instead of as MIME parts.
func extractUU(text string) (string, []uuFile) {
	if !strings.Contains(text, "begin ") {
		return text, nil
	}
	lines := strings.Split(text, "\n")
	var (
		kept  []string
		files []uuFile
	)
	for i := 0; i < len(lines); i++ {
		name, ok := uuBegin(lines[i])
		if !ok {
			kept = append(kept, lines[i])
			continue
		}
		var body []byte
		j := i + 1
		for ; j < len(lines); j++ {
			line := strings.TrimRight(lines[j], " \r")
			if line == "end" {
				j++
				break
			}
			data, ok := uuDecodeLine(line)
			if !ok {
				break
			}
			body = append(body, data...)
		}
		if j == i+1 {
			kept = append(kept, lines[i]) // "begin" with nothing after it
			continue
		}
		files = append(files, uuFile{name: name, body: body})
		i = j - 1
	}
	if files == nil {
		return text, nil
	}
	return strings.Join(kept, "\n"), files
}

// uuBegin parses "begin <mode> <name>"; the name may be missing.
func uuBegin(line string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimRight(line, " \r"), "begin ")
	if !ok {
		return "", false
	}
	mode, name, _ := strings.Cut(rest, " ")
	if len(mode) < 3 || len(mode) > 4 || strings.Trim(mode, "01234567") != "" {
		return "", false
	}
	return cleanFilename(name), true
}

// uuDecodeLine decodes one uuencoded line: a length character, then four
// characters for every three bytes. A short line is padded, as encoders
// that strip trailing spaces make them.
func uuDecodeLine(line string) ([]byte, bool) {
	if line == "" {
		return nil, false
	}
	n := int((line[0] - ' ') & 63)
	if line[0] < ' ' || line[0] > '`' || (len(line)-1)*3/4 < n-2 {
		return nil, false
	}
	data := []byte(line[1:])
	for len(data)%4 != 0 || len(data) < (n+2)/3*4 {
		data = append(data, ' ')
	}
	out := make([]byte, 0, len(data)/4*3)
	for k := 0; k+4 <= len(data); k += 4 {
		var c [4]byte
		for m := range c {
			if data[k+m] < ' ' || data[k+m] > '`' {
				return nil, false
			}
			c[m] = (data[k+m] - ' ') & 63
		}
		out = append(out, c[0]<<2|c[1]>>4, c[1]<<4|c[2]>>2, c[2]<<6|c[3])
	}
	if n > len(out) {
		n = len(out)
	}
	return out[:n], true
}

// decodeUU decodes a whole uuencoded body (Content-Transfer-Encoding:
// x-uuencode), with or without its begin and end lines.
func decodeUU(b []byte) []byte {
	var out []byte
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		l := strings.TrimRight(string(line), " \r")
		if _, ok := uuBegin(l); ok || l == "end" || l == "" {
			continue
		}
		if data, ok := uuDecodeLine(l); ok {
			out = append(out, data...)
		}
	}
	return out
}
