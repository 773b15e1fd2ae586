package main

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
)

// The files of class 5: small files that declare or inflate to something
// huge, and truncated ones. They are written by hand, chunk by chunk, so
// that they are a few hundred kilobytes however much they declare.

// imageLetters are class 5: each an ordinary letter with one file.
func imageLetters() []hostileLetter {
	l := func(name, contentType, filename string, data []byte) hostileLetter {
		addr := name + "@image.example.ru"
		return hostileLetter{name: name, class: classImage, want: answerOnce, to: addr, rejects: filename,
			raw: newDraft(name, "Иван <"+addr+">", "Ошибка на сайте, скриншот во вложении").
				multipart("img", attachment(contentType, filename, data)).bytes()}
	}
	return []hostileLetter{
		// 7000×7000 = 49 Mpx, under the 50 Mpx limit by count, but 392 MB
		// decoded at 16 bits a channel: it must be refused before decoding.
		l("img-png-49mpx-16bit-rgba", "image/png", "screen.png", pngDeclaring(7000, 7000, 16, 6, 0)),
		l("img-png-100000x100000", "image/png", "bomb.png", pngDeclaring(100000, 100000, 8, 2, 4)),
		l("img-png-zero-width", "image/png", "zero.png", pngDeclaring(0, 100, 8, 2, 0)),
		l("img-jpeg-65500x65500", "image/jpeg", "photo.jpg", jpegDeclaring(65500, 65500)),
		l("img-gif-65535x65535-screen", "image/gif", "anim.gif", gifScreen(65535, 65535)),
		l("img-png-truncated", "image/png", "cut.png", truncated(encodePNG())),
		l("img-jpeg-truncated", "image/jpeg", "cut.jpg", truncated(encodeJPEG())),
		// One letter only: see peakBoundMB.
		pdfs("img-pdf-objstm-200mb-x5", 5),
	}
}

// pdfs is a letter with n PDFs attached whose object streams each inflate
// to 200 MB of zeros.
func pdfs(name string, n int) hostileLetter {
	addr := name + "@image.example.ru"
	var parts []string
	for i := range n {
		parts = append(parts, attachment("application/pdf", fmt.Sprintf("statement-%d.pdf", i+1), pdfInflating(200<<20+i)))
	}
	return hostileLetter{name: name, class: classImage, want: answerOnce, to: addr, rejects: "statement-1.pdf",
		raw: newDraft(name, "Иван <"+addr+">", "Выписки во вложении").multipart("pdf", parts...).bytes()}
}

// zlibZeros is a zlib stream (RFC 1950) that inflates to n zero bytes. It
// repeats one compressed run of zeros, ended by a sync flush, so building
// it costs the compression of one run: a run refers back only into
// itself, and what came before it is zeros too.
func zlibZeros(n int) []byte {
	const run = 1 << 20
	compressed := func(size int) []byte {
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.BestCompression)
		w.Write(make([]byte, size))
		w.Flush()
		return b.Bytes()
	}
	var out bytes.Buffer
	out.Write([]byte{0x78, 0xda})
	full := compressed(run)
	for range n / run {
		out.Write(full)
	}
	if n%run != 0 {
		out.Write(compressed(n % run))
	}
	out.Write([]byte{0x03, 0x00}) // a final, empty, fixed-Huffman block
	// Adler-32 of n zeros: the sum of bytes stays 1, the sum of sums is n.
	binary.Write(&out, binary.BigEndian, uint32(n%65521)<<16|1)
	return out.Bytes()
}

// pngChunk writes one chunk with its CRC.
func pngChunk(w *bytes.Buffer, typ string, data []byte) {
	binary.Write(w, binary.BigEndian, uint32(len(data)))
	w.WriteString(typ)
	w.Write(data)
	binary.Write(w, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// pngDeclaring is a PNG of width×height pixels of depth bits a channel in
// colour type ct (2 RGB, 6 RGBA), all zeros. Its image data holds rows
// rows, or all of them when rows is 0: a whole image that decodes, or the
// start of one.
func pngDeclaring(width, height uint32, depth, ct byte, rows int) []byte {
	channels := map[byte]int{2: 3, 6: 4}[ct]
	rowBytes := 1 + int(width)*channels*int(depth)/8
	if rows == 0 {
		rows = int(height)
	}
	h := make([]byte, 13)
	binary.BigEndian.PutUint32(h[0:], width)
	binary.BigEndian.PutUint32(h[4:], height)
	h[8], h[9] = depth, ct
	var w bytes.Buffer
	w.WriteString("\x89PNG\r\n\x1a\n")
	pngChunk(&w, "IHDR", h)
	pngChunk(&w, "IDAT", zlibZeros(rows*rowBytes))
	pngChunk(&w, "IEND", nil)
	return w.Bytes()
}

// noise is a small picture that does not compress to nothing.
func noise() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 4), uint8(x * y), 255})
		}
	}
	return img
}

func encodePNG() []byte {
	var b bytes.Buffer
	png.Encode(&b, noise())
	return b.Bytes()
}

func encodeJPEG() []byte {
	var b bytes.Buffer
	jpeg.Encode(&b, noise(), &jpeg.Options{Quality: 90})
	return b.Bytes()
}

// truncated is the first 60 % of b.
func truncated(b []byte) []byte { return b[:len(b)*6/10] }

// jpegDeclaring is a small JPEG whose frame header (SOF0) claims
// width×height.
func jpegDeclaring(width, height uint16) []byte {
	b := encodeJPEG()
	i := bytes.Index(b, []byte{0xff, 0xc0})
	if i < 0 {
		panic("image/jpeg wrote no SOF0")
	}
	// FF C0, length (2), precision (1), height (2), width (2).
	binary.BigEndian.PutUint16(b[i+5:], height)
	binary.BigEndian.PutUint16(b[i+7:], width)
	return b
}

// gifScreen is a one-pixel GIF on a logical screen of width×height.
func gifScreen(width, height uint16) []byte {
	var b bytes.Buffer
	img := image.NewPaletted(image.Rect(0, 0, 1, 1), color.Palette{color.Black, color.White})
	gif.Encode(&b, img, nil)
	out := b.Bytes()
	binary.LittleEndian.PutUint16(out[6:], width)
	binary.LittleEndian.PutUint16(out[8:], height)
	return out
}

// pdfInflating is a one-page PDF with an object stream that inflates to n
// zero bytes.
func pdfInflating(n int) []byte {
	stream := zlibZeros(n)
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [4 0 R] /Count 1 >>\nendobj\n")
	fmt.Fprintf(&b, "3 0 obj\n<< /Type /ObjStm /N 1 /First 8 /Filter /FlateDecode /Length %d >>\nstream\n", len(stream))
	b.Write(stream)
	b.WriteString("\nendstream\nendobj\n")
	b.WriteString("4 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n")
	b.WriteString("trailer\n<< /Root 1 0 R /Size 5 >>\n%%EOF\n")
	return b.Bytes()
}
