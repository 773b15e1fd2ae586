package attachments

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// hidden is a second format found inside a file.
type hidden struct {
	typ    string // media type of what is hidden
	offset int
}

// findHidden looks for a second format inside a file of the allowed type
// detected whose own data ends at end (see imageEnd; for a PDF, after the
// last %%EOF). It returns ok false when the file is clean.
//
// Each signature is long or checked deep enough that compressed data
// matches it by chance less than once in 10^6 files of 5 MiB.
func findHidden(detected string, b []byte, end int) (h hidden, ok bool) {
	if h, ok := zipDirectory(b); ok {
		return h, true
	}
	if h, ok := executable(b, 0); ok && h.offset > 0 {
		return h, true
	}
	if isImage(detected) {
		if i := bytes.Index(head(b, 1024), []byte("%PDF-")); i >= 0 {
			return hidden{typePDF, i}, true
		}
		if h, ok := script(b); ok {
			return h, true
		}
	}
	if end < len(b) {
		if h, ok := trailer(b[end:]); ok {
			h.offset += end
			return h, true
		}
	}
	return hidden{}, false
}

// zipDirectory finds the end of a ZIP central directory where unzip looks
// for it, in the last 65557 bytes, and a central directory entry before
// it.
func zipDirectory(b []byte) (hidden, bool) {
	const maxEOCD = 22 + 65535
	tail := len(b) - min(len(b), maxEOCD)
	i := bytes.LastIndex(b[tail:], []byte("PK\x05\x06"))
	if i < 0 {
		return hidden{}, false
	}
	i += tail
	if i+22 > len(b) {
		return hidden{}, false
	}
	cd := bytes.Index(b, []byte("PK\x01\x02"))
	if cd < 0 || cd > i {
		return hidden{}, false
	}
	return hidden{typeZIP, cd}, true
}

// executable finds a Windows PE or a Linux ELF executable at or after
// offset from.
func executable(b []byte, from int) (hidden, bool) {
	for i := from; ; {
		j := bytes.Index(b[i:], []byte("MZ"))
		if j < 0 {
			break
		}
		if isPE(b, i+j) {
			return hidden{typeEXE, i + j}, true
		}
		i += j + 1
	}
	for i := from; ; {
		j := bytes.Index(b[i:], []byte("\x7fELF"))
		if j < 0 {
			break
		}
		if isELF(b, i+j) {
			return hidden{typeELF, i + j}, true
		}
		i += j + 1
	}
	return hidden{}, false
}

// script finds HTML script or PHP code, the payloads of images made to be
// served as web pages or included by a PHP upload form.
func script(b []byte) (hidden, bool) {
	if i := bytes.Index(b, []byte("<?php")); i >= 0 {
		return hidden{typeHTML, i}, true
	}
	const tag = "<script"
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return hidden{}, false
		}
		i += j
		if i+len(tag) <= len(b) && bytes.EqualFold(b[i:i+len(tag)], []byte(tag)) {
			return hidden{typeHTML, i}, true
		}
		i++
	}
}

// trailer looks at the bytes after a file's end marker. Phones append
// data there (Samsung's SEFT trailer, the video of a Motion Photo), so only
// archives, documents and executables count.
func trailer(t []byte) (hidden, bool) {
	sigs := []struct {
		sig, typ string
	}{
		{"Rar!\x1a\x07", typeRAR},
		{"7z\xbc\xaf\x27\x1c", type7z},
		{"%PDF-", typePDF},
	}
	for _, s := range sigs {
		if i := bytes.Index(t, []byte(s.sig)); i >= 0 {
			return hidden{s.typ, i}, true
		}
	}
	for i := 0; ; {
		j := bytes.Index(t[i:], []byte("PK\x03\x04"))
		if j < 0 {
			break
		}
		i += j
		// A local file header: version needed below 6.4, sane name length.
		if i+30 <= len(t) && t[i+4] <= 63 && t[i+5] == 0 &&
			binary.LittleEndian.Uint16(t[i+26:]) < 1024 {
			return hidden{typeZIP, i}, true
		}
		i++
	}
	if h, ok := executable(t, 0); ok {
		return h, true
	}
	return script(t)
}

// detail describes h for Verdict.Detail.
func (h hidden) detail() string {
	return facts("embedded", h.typ, "offset", strconv.Itoa(h.offset))
}
