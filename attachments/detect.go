package attachments

import (
	"bytes"
	"encoding/binary"
	"mime"
	"net/http"
)

// Media types that Check detects beyond, or names differently from,
// net/http.DetectContentType.
const (
	typeJPEG    = "image/jpeg"
	typePNG     = "image/png"
	typePDF     = "application/pdf"
	typeGIF     = "image/gif"
	typeWebP    = "image/webp"
	typeHEIC    = "image/heic"
	typeAVIF    = "image/avif"
	typeTIFF    = "image/tiff"
	typeBMP     = "image/bmp"
	typeZIP     = "application/zip"
	typeRAR     = "application/x-rar-compressed"
	type7z      = "application/x-7z-compressed"
	typeGzip    = "application/x-gzip"
	typeEXE     = "application/x-msdownload"
	typeELF     = "application/x-executable"
	typeOLE     = "application/x-ole-storage"
	typeDOCX    = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeXLSX    = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	typePPTX    = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	typeODT     = "application/vnd.oasis.opendocument.text"
	typeODS     = "application/vnd.oasis.opendocument.spreadsheet"
	typeText    = "text/plain"
	typeHTML    = "text/html"
	typeUnknown = "application/octet-stream"
)

// verifiable reports whether Check can verify content of type t in full.
func verifiable(t string) bool {
	switch t {
	case typeJPEG, typePNG, typeGIF, typePDF:
		return true
	}
	return false
}

// detect returns the media type of b from its first bytes. It checks its
// own signatures first and falls back to net/http.DetectContentType,
// without parameters.
func detect(b []byte) string {
	return detectSample(sample{head: b, pe: isPE(b, 0), bmff: isoBMFFType(b),
		contains: func(sub string) bool { return bytes.Contains(b, []byte(sub)) }})
}

// sample is what detect looks at in a file: its first bytes, and the few
// facts that need more of it than those, so that a file read as a stream
// (see sniffer) is typed as it would be whole.
type sample struct {
	head     []byte                // the whole file, or at least its first headSize bytes
	pe       bool                  // isPE(file, 0)
	bmff     string                // isoBMFFType(file)
	contains func(sub string) bool // bytes.Contains(file, sub); asked only of a ZIP archive
}

// headSize is the most of a file's first bytes that detect looks at,
// beyond the facts of a sample: net/http.DetectContentType reads 512.
const headSize = 4096

// detectSample is detect over a sample of the file.
func detectSample(s sample) string {
	b := s.head
	switch {
	case len(b) == 0:
		return typeUnknown
	case hasPrefix(b, "\xff\xd8\xff"):
		return typeJPEG
	case hasPrefix(b, "\x89PNG\r\n\x1a\n"):
		return typePNG
	case hasPrefix(b, "%PDF-"):
		return typePDF
	case hasPrefix(b, "GIF87a"), hasPrefix(b, "GIF89a"):
		return typeGIF
	case hasPrefix(b, "RIFF") && len(b) >= 12 && string(b[8:12]) == "WEBP":
		return typeWebP
	case s.pe, hasPrefix(b, "MZ") && bytes.Contains(head(b, 512), []byte("This program cannot be run in DOS mode")):
		return typeEXE
	case isELF(b, 0):
		return typeELF
	case hasPrefix(b, "PK\x03\x04"), hasPrefix(b, "PK\x05\x06"), hasPrefix(b, "PK\x07\x08"):
		return zipType(b, s.contains)
	case hasPrefix(b, "Rar!\x1a\x07"):
		return typeRAR
	case hasPrefix(b, "7z\xbc\xaf\x27\x1c"):
		return type7z
	case hasPrefix(b, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
		return typeOLE
	case hasPrefix(b, "II*\x00"), hasPrefix(b, "MM\x00*"):
		return typeTIFF
	}
	if s.bmff != "" {
		return s.bmff
	}
	t, _, err := mime.ParseMediaType(http.DetectContentType(b))
	if err != nil {
		return typeUnknown
	}
	return t
}

// isoBMFFType recognises HEIC and AVIF photos by the brands of their ftyp
// box; "" for anything else.
func isoBMFFType(b []byte) string {
	if len(b) < 16 || string(b[4:8]) != "ftyp" {
		return ""
	}
	n := int(binary.BigEndian.Uint32(b))
	if n < 16 || n > len(b) {
		n = min(len(b), 64)
	}
	for i := 8; i+4 <= n; i += 4 {
		if i == 12 {
			continue // minor version
		}
		if t := brandType(string(b[i : i+4])); t != "" {
			return t
		}
	}
	return ""
}

// brandType is the media type an ISO BMFF brand names, or "".
func brandType(brand string) string {
	switch brand {
	case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
		return typeHEIC
	case "avif", "avis":
		return typeAVIF
	}
	return ""
}

// zipType tells office documents from other ZIP archives, from the
// archive's first bytes b and whether the whole archive contains a string.
func zipType(b []byte, contains func(sub string) bool) string {
	// An ODF package starts with an uncompressed entry "mimetype".
	if len(b) > 38 && string(b[30:38]) == "mimetype" {
		switch {
		case bytes.HasPrefix(b[38:], []byte(typeODT)):
			return typeODT
		case bytes.HasPrefix(b[38:], []byte(typeODS)):
			return typeODS
		}
	}
	if contains(zipContentTypes) {
		switch {
		case contains(zipWord):
			return typeDOCX
		case contains(zipExcel):
			return typeXLSX
		case contains(zipPowerPoint):
			return typePPTX
		}
	}
	return typeZIP
}

// The names whose presence in a ZIP archive makes it an office document.
const (
	zipContentTypes = "[Content_Types].xml"
	zipWord         = "word/"
	zipExcel        = "xl/"
	zipPowerPoint   = "ppt/"
)

// isPE reports whether a Windows PE executable starts at offset i: "MZ"
// and, at the offset the DOS header gives, "PE\0\0".
func isPE(b []byte, i int) bool {
	if i < 0 || i+0x40 > len(b) || b[i] != 'M' || b[i+1] != 'Z' {
		return false
	}
	off := int64(binary.LittleEndian.Uint32(b[i+0x3c:]))
	pe := int64(i) + off
	return off >= 0x40 && pe+4 <= int64(len(b)) && string(b[pe:pe+4]) == "PE\x00\x00"
}

// isELF reports whether an ELF executable header starts at offset i.
func isELF(b []byte, i int) bool {
	if i < 0 || i+7 > len(b) || string(b[i:i+4]) != "\x7fELF" {
		return false
	}
	class, order, version := b[i+4], b[i+5], b[i+6]
	return (class == 1 || class == 2) && (order == 1 || order == 2) && version == 1
}

func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

// head returns at most the first n bytes of b.
func head(b []byte, n int) []byte {
	return b[:min(len(b), n)]
}
