package attachments

import (
	"archive/zip"
	"bytes"
	"testing"
)

// zipOf returns a ZIP archive of the named files, each holding its name.
func zipOf(tb testing.TB, names ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			tb.Fatal(err)
		}
		w.Write([]byte(n))
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"JPEG", []byte("\xff\xd8\xff\xe1\x00\x10Exif"), typeJPEG},
		{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), typePNG},
		{"PDF", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), typePDF},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00"), typeGIF},
		{"WebP", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), typeWebP},
		{"HEIC from an iPhone", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), typeHEIC},
		{"HEIF with mif1 first", []byte("\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heicmiaf"), typeHEIC},
		{"AVIF", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"), typeAVIF},
		{"MP4 video", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), "video/mp4"},
		{"TIFF from a scanner", []byte("II*\x00\x08\x00\x00\x00"), typeTIFF},
		{"BMP", []byte("BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00"), typeBMP},
		{"Windows program", readTestdata(t, "pe-renamed.png"), typeEXE},
		{"DOS stub without PE header", append([]byte("MZ\x90\x00"), append(make([]byte, 60), "This program cannot be run in DOS mode."...)...), typeEXE},
		{"text starting MZ", []byte("MZ-2024 отчёт о работе\n"), typeText},
		{"ELF", []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), typeELF},
		{"ZIP", readTestdata(t, "zip-renamed.png"), typeZIP},
		{"empty ZIP", []byte("PK\x05\x06" + string(make([]byte, 18))), typeZIP},
		{"Word", zipOf(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml"), typeDOCX},
		{"Excel", zipOf(t, "[Content_Types].xml", "xl/workbook.xml"), typeXLSX},
		{"PowerPoint", zipOf(t, "[Content_Types].xml", "ppt/presentation.xml"), typePPTX},
		{"ZIP with an entry named mimetype", zipOf(t, "mimetype"), typeZIP},
		{"RAR", []byte("Rar!\x1a\x07\x01\x00"), typeRAR},
		{"7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04"), type7z},
		{"old Word", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), typeOLE},
		{"gzip", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"), typeGzip},
		{"text", []byte("Здравствуйте, прикладываю скриншот.\n"), typeText},
		{"HTML", []byte("<!DOCTYPE html><html><body>"), typeHTML},
		{"binary", []byte{0x00, 0x01, 0x02, 0x03, 0xfe}, typeUnknown},
		{"nothing", nil, typeUnknown},
	}
	for _, tt := range tests {
		if got := detect(tt.b); got != tt.want {
			t.Errorf("detect(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDetectODT(t *testing.T) {
	// An ODF package stores "mimetype" first, uncompressed, no extra field.
	b := zipOf(t, "mimetype")
	b = append(b[:38:38], append([]byte(typeODT), b[38+len("mimetype"):]...)...)
	if got := detect(b); got != typeODT {
		t.Errorf("detect(ODT) = %q, want %q", got, typeODT)
	}
}

func TestKind(t *testing.T) {
	tests := []struct{ detected, en, ru string }{
		{typeJPEG, "JPEG", "JPEG"},
		{typePNG, "PNG", "PNG"},
		{typePDF, "PDF", "PDF"},
		{typeZIP, "ZIP archive", "архив ZIP"},
		{typeEXE, "Windows executable", "программа для Windows"},
		{typeDOCX, "Word document", "документ Word"},
		{typeUnknown, "file of unknown type", "файл неизвестного формата"},
		{"application/x-foo", "application/x-foo", "файл типа application/x-foo"},
	}
	for _, tt := range tests {
		if got := Kind(tt.detected); got != tt.en {
			t.Errorf("Kind(%q) = %q, want %q", tt.detected, got, tt.en)
		}
		if got := kindIn("ru", tt.detected); got != tt.ru {
			t.Errorf("kindIn(ru, %q) = %q, want %q", tt.detected, got, tt.ru)
		}
	}
}
