package attachments

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// errTruncated is reported when a file stops before its end marker.
var errTruncated = errors.New("attachments: truncated before the end marker")

// imageEnd returns the offset just past the end marker of a JPEG or PNG
// (after EOI, after the IEND chunk), and 0 and an error when the structure
// is broken. For other types it returns len(b).
func imageEnd(detected string, b []byte) (int, error) {
	switch detected {
	case typeJPEG:
		return jpegEnd(b)
	case typePNG:
		return pngEnd(b)
	}
	return len(b), nil
}

// jpegEnd walks the markers of a JPEG (ITU T.81 annex B) from SOI to EOI.
func jpegEnd(b []byte) (int, error) {
	return walkJPEG(b, nil)
}

// walkJPEG walks the markers of a JPEG (ITU T.81 annex B) from SOI to EOI
// and returns the offset just past EOI. Segments are skipped by their
// length and entropy-coded data up to the next marker that is neither a
// stuffed 0xFF00 nor a restart marker. When visit is not nil it is handed
// each marker after SOI with its bytes: the marker, its segment and, after
// SOS, the entropy-coded data, without the fill bytes before the marker.
func walkJPEG(b []byte, visit func(marker byte, seg []byte)) (int, error) {
	i := 2 // after SOI
	for {
		// QUIRK: like libjpeg, skip stray bytes before a marker; some
		// cameras leave padding between segments.
		j := bytes.IndexByte(b[i:], 0xff)
		if j < 0 {
			return 0, errTruncated
		}
		i += j
		for i < len(b) && b[i] == 0xff {
			i++
		}
		if i >= len(b) {
			return 0, errTruncated
		}
		start := i - 1
		m := b[i]
		i++
		switch {
		case m == 0xd9: // EOI
			if visit != nil {
				visit(m, b[start:i])
			}
			return i, nil
		case m == 0x01, m >= 0xd0 && m <= 0xd7: // TEM, RSTn: no length
			if visit != nil {
				visit(m, b[start:i])
			}
			continue
		case m == 0x00 || m == 0xd8:
			return 0, fmt.Errorf("attachments: jpeg: unexpected marker 0x%02x at offset %d", m, i-1)
		}
		if i+2 > len(b) {
			return 0, errTruncated
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 {
			return 0, fmt.Errorf("attachments: jpeg: bad segment length at offset %d", i)
		}
		i += n
		if i > len(b) {
			return 0, errTruncated
		}
		if m == 0xda { // SOS: entropy-coded data follows
			for {
				j := bytes.IndexByte(b[i:], 0xff)
				if j < 0 || i+j+1 >= len(b) {
					return 0, errTruncated
				}
				i += j
				c := b[i+1]
				if c == 0x00 || c >= 0xd0 && c <= 0xd7 {
					i += 2
					continue
				}
				break
			}
		}
		if visit != nil {
			visit(m, b[start:i])
		}
	}
}

// pngEnd walks the chunks of a PNG to IEND, checking each CRC.
func pngEnd(b []byte) (int, error) {
	return walkPNG(b, nil)
}

// walkPNG walks the chunks of a PNG (PNG 5.3) to IEND, checking each CRC,
// and returns the offset just past IEND. When visit is not nil it is
// handed each chunk's type and its bytes: length, type, data and CRC.
func walkPNG(b []byte, visit func(typ string, chunk []byte)) (int, error) {
	i := 8 // after the signature
	for {
		if i+12 > len(b) {
			return 0, errTruncated
		}
		n := int64(binary.BigEndian.Uint32(b[i:]))
		if n > 1<<31-1 {
			return 0, fmt.Errorf("attachments: png: chunk length %d at offset %d", n, i)
		}
		end := int64(i) + 12 + n
		if end > int64(len(b)) {
			return 0, errTruncated
		}
		typ := b[i+4 : i+8]
		crc := binary.BigEndian.Uint32(b[end-4:])
		if crc32.ChecksumIEEE(b[i+4:end-4]) != crc {
			return 0, fmt.Errorf("attachments: png: bad CRC of chunk %q at offset %d", typ, i)
		}
		if visit != nil {
			visit(string(typ), b[i:end])
		}
		i = int(end)
		if string(typ) == "IEND" {
			return i, nil
		}
	}
}
