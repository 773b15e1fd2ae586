package attachments

import "bytes"

// stripped returns the display copy of a JPEG or PNG that needs no turning:
// the segments or chunks that make the picture, in their order, without
// metadata and without anything after the end marker. The pixels are not
// decoded and encoded again, so the copy is exact; it is made of slices of
// b and costs no copy of the picture. When there is nothing to drop it is b
// itself, in one piece.
//
// Kept from a JPEG: SOI, tables, frame and scan headers, entropy-coded
// data, restart markers, EOI and the Adobe APP14 segment, which tells how
// the colours are coded. A JFIF APP0 segment, which tells decoders the
// colours are YCbCr, becomes a plain one without its thumbnail (a picture
// of its own, perhaps of the uncropped photo). Dropped: every other APPn
// (EXIF with GPS, XMP, ICC profiles, IPTC and maker notes) and COM. Kept from a PNG: IHDR,
// PLTE, IDAT, IEND and the ancillary chunks that change how the pixels
// look (tRNS, gAMA, cHRM, sRGB, sBIT, bKGD, pHYs). Dropped: text (tEXt,
// zTXt, iTXt), eXIf, tIME, iCCP and every chunk the PNG specification does
// not define, such as animation frames.
func stripped(detected string, b []byte) (Pieces, error) {
	var (
		keep     [][]byte
		replaced bool // a piece of keep is not from b
		err      error
	)
	switch detected {
	case typeJPEG:
		keep = append(keep, b[:2]) // SOI
		_, err = walkJPEG(b, func(m byte, seg []byte) {
			switch {
			case m == 0xe0 && bytes.HasPrefix(seg[min(4, len(seg)):], []byte("JFIF\x00")):
				if string(seg) != plainJFIF {
					seg, replaced = []byte(plainJFIF), true
				}
				keep = append(keep, seg)
			case keepJPEGSegment(m, seg):
				keep = append(keep, seg)
			}
		})
	case typePNG:
		keep = append(keep, b[:8]) // the signature
		_, err = walkPNG(b, func(typ string, chunk []byte) {
			if keepPNGChunk(typ) {
				keep = append(keep, chunk)
			}
		})
	default:
		return Pieces{b}, nil
	}
	if err != nil {
		return nil, err
	}
	if Pieces(keep).Len() == len(b) && !replaced {
		return Pieces{b}, nil // nothing dropped: the pieces are b in order
	}
	return keep, nil
}

// plainJFIF is a JFIF 1.01 APP0 segment with no density and no thumbnail.
const plainJFIF = "\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"

// keepJPEGSegment reports whether the display copy keeps a JPEG segment.
func keepJPEGSegment(m byte, seg []byte) bool {
	switch {
	case m == 0xfe: // COM
		return false
	case m == 0xee: // APP14: kept when it is Adobe's colour transform flag
		return bytes.HasPrefix(seg[min(4, len(seg)):], []byte("Adobe"))
	case m >= 0xe0 && m <= 0xef: // APP0–APP15
		return false
	}
	return true
}

// keepPNGChunk reports whether the display copy keeps a PNG chunk of type
// typ (PNG 4.1, 4.2).
func keepPNGChunk(typ string) bool {
	switch typ {
	case "IHDR", "PLTE", "IDAT", "IEND",
		"tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD", "pHYs":
		return true
	}
	return false
}
