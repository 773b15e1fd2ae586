package attachments

import (
	"bytes"
	"encoding/binary"
)

// sniffer gathers, from a file written to it piece by piece, the sample
// that detect needs: the first headSize bytes, whether it is a PE
// executable, the brands of an ISO BMFF box, and which of the names that
// tell office documents from other ZIP archives it contains. It holds
// a few kilobytes whatever the file's size, and types a file exactly as
// detect types it whole.
type sniffer struct {
	head []byte
	n    int64 // bytes written

	peAt  int64 // offset of "PE\0\0" the DOS header gives; -1 until known or when none
	pe    [4]byte
	peGot int // bytes of pe filled

	boxEnd int64   // size of an ISO BMFF "ftyp" box; 0 until known or when none
	word   [4]byte // the 4-byte word being read inside the box
	brand  string  // the type of the first brand of the box that names one

	names [4]bool // zipNames found
	carry []byte  // the last maxZipName-1 bytes written
}

// zipNames are the names zipType asks about.
var zipNames = [...]string{zipContentTypes, zipWord, zipExcel, zipPowerPoint}

// maxZipName is the length of the longest of zipNames.
const maxZipName = len(zipContentTypes)

func newSniffer() *sniffer {
	return &sniffer{head: make([]byte, 0, headSize), peAt: -1}
}

// Write takes the next bytes of the file; it never fails.
func (s *sniffer) Write(p []byte) (int, error) {
	start := s.n
	if len(s.head) < headSize {
		s.head = append(s.head, p[:min(len(p), headSize-len(s.head))]...)
	}
	s.n += int64(len(p))
	if s.peAt < 0 && len(s.head) >= 0x40 && hasPrefix(s.head, "MZ") {
		s.peAt = int64(binary.LittleEndian.Uint32(s.head[0x3c:]))
	}
	if s.peAt >= 0 && s.peGot < 4 {
		for i := max(s.peAt+int64(s.peGot), start); i < min(s.peAt+4, s.n); i++ {
			s.pe[i-s.peAt] = p[i-start]
			s.peGot++
		}
	}
	if s.boxEnd == 0 && len(s.head) >= 8 && string(s.head[4:8]) == "ftyp" {
		s.boxEnd = int64(binary.BigEndian.Uint32(s.head))
	}
	if s.brand == "" && s.boxEnd >= 16 {
		s.brands(p, start)
	}
	s.zipNames(p)
	return len(p), nil
}

// brands reads the words of the "ftyp" box in p, which starts at offset
// start of the file, as isoBMFFType does when the box is whole.
func (s *sniffer) brands(p []byte, start int64) {
	for i := max(start, 8); i < min(s.n, s.boxEnd) && s.brand == ""; i++ {
		s.word[i%4] = p[i-start]
		if i%4 == 3 && i-3 != 12 { // 12: the minor version
			s.brand = brandType(string(s.word[:]))
		}
	}
}

// zipNames looks for zipNames in p, and across the end of the bytes
// before it.
func (s *sniffer) zipNames(p []byte) {
	var buf [2 * maxZipName]byte
	edge := append(append(buf[:0], s.carry...), p[:min(len(p), maxZipName-1)]...)
	for i, name := range zipNames {
		if !s.names[i] {
			s.names[i] = bytes.Contains(edge, []byte(name)) || bytes.Contains(p, []byte(name))
		}
	}
	if len(p) >= maxZipName-1 {
		s.carry = append(s.carry[:0], p[len(p)-(maxZipName-1):]...)
	} else {
		s.carry = append(s.carry[:0], edge[max(0, len(edge)-(maxZipName-1)):]...)
	}
}

// sample is what detect would look at, were the whole file at hand.
func (s *sniffer) sample() sample {
	pe := s.n >= 0x40 && s.peAt >= 0x40 && s.peAt+4 <= s.n && s.peGot == 4 && string(s.pe[:]) == "PE\x00\x00"
	bmff := ""
	switch {
	case s.n < 16 || string(s.head[4:8]) != "ftyp":
	case s.boxEnd < 16 || s.boxEnd > s.n:
		bmff = isoBMFFType(s.head[:min(len(s.head), 64)]) // the box is cut short: its first 64 bytes, as isoBMFFType reads them
	default:
		bmff = s.brand
	}
	return sample{head: s.head, pe: pe, bmff: bmff, contains: func(sub string) bool {
		for i, name := range zipNames {
			if name == sub {
				return s.names[i]
			}
		}
		return false
	}}
}
