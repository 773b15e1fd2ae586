//go:build ignore

// Command craft writes the test files that no tool makes on purpose: a PNG
// decompression bomb, a minimal Windows executable, a PNG with a PDF
// header in a text chunk. make.sh runs it; the output is committed.
package main

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"log"
	"os"
)

func chunk(w *bytes.Buffer, typ string, data []byte) {
	binary.Write(w, binary.BigEndian, uint32(len(data)))
	w.WriteString(typ)
	w.Write(data)
	binary.Write(w, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

func ihdr(width, height uint32) []byte {
	h := make([]byte, 13)
	binary.BigEndian.PutUint32(h[0:], width)
	binary.BigEndian.PutUint32(h[4:], height)
	h[8], h[9] = 8, 2 // 8-bit RGB
	return h
}

func deflate(b []byte) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(b)
	zw.Close()
	return z.Bytes()
}

// bomb declares 100000×100000 pixels (3e10 bytes of RGB) in a few hundred
// bytes: the first rows of zeros, then IEND.
func bomb() []byte {
	var w bytes.Buffer
	w.WriteString("\x89PNG\r\n\x1a\n")
	chunk(&w, "IHDR", ihdr(100000, 100000))
	chunk(&w, "IDAT", deflate(make([]byte, 4*(1+3*100000))))
	chunk(&w, "IEND", nil)
	return w.Bytes()
}

// pdfInText is a valid 16×16 PNG whose tEXt chunk, right after IHDR,
// starts a PDF inside the first 1024 bytes.
func pdfInText() []byte {
	var w bytes.Buffer
	w.WriteString("\x89PNG\r\n\x1a\n")
	chunk(&w, "IHDR", ihdr(16, 16))
	chunk(&w, "tEXt", []byte("Comment\x00%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"))
	row := append([]byte{0}, bytes.Repeat([]byte{200, 30, 30}, 16)...)
	chunk(&w, "IDAT", deflate(bytes.Repeat(row, 16)))
	chunk(&w, "IEND", nil)
	return w.Bytes()
}

// pe is the smallest honest Windows PE header: a DOS header pointing at
// "PE\0\0", a COFF header for x86-64 and an empty optional header.
func pe() []byte {
	b := make([]byte, 512)
	copy(b, "MZ")
	copy(b[0x4e:], "This program cannot be run in DOS mode.\r\r\n$")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x80)
	copy(b[0x80:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(b[0x84:], 0x8664) // Machine
	binary.LittleEndian.PutUint16(b[0x94:], 0xf0)   // SizeOfOptionalHeader
	binary.LittleEndian.PutUint16(b[0x96:], 0x22)   // Characteristics: executable
	binary.LittleEndian.PutUint16(b[0x98:], 0x20b)  // PE32+
	return b
}

func main() {
	for name, b := range map[string][]byte{
		"bomb-100000x100000.png": bomb(),
		"pdf-header-in-text.png": pdfInText(),
		"program.exe":            pe(),
	} {
		if err := os.WriteFile(name, b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
