package attachments

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/mailparse"
)

// onePage is the catalog, page tree and single page of a minimal PDF.
const onePage = "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n" +
	"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"

// handPDF wraps objects in a header, a trailer and %%EOF. The parser
// needs no xref table, so none is written.
func handPDF(objects ...string) []byte {
	return []byte("%PDF-1.7\n" + strings.Join(objects, "") + "trailer << /Root 1 0 R >>\n%%EOF\n")
}

// objectStream returns an object stream object numbered num holding the
// objects, deflated unless filter says otherwise.
func objectStream(num int, filter string, objects map[int]string) string {
	var head, body strings.Builder
	for n := range 100 {
		if o, ok := objects[n]; ok {
			fmt.Fprintf(&head, "%d %d ", n, body.Len())
			body.WriteString(o + "\n")
		}
	}
	data := head.String() + body.String()
	raw := []byte(data)
	if filter == "/FlateDecode" {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(raw)
		zw.Close()
		raw = z.Bytes()
	}
	return fmt.Sprintf("%d 0 obj << /Type /ObjStm /N %d /First %d /Length %d /Filter %s >>\nstream\n%s\nendstream endobj\n",
		num, len(objects), head.Len(), len(raw), filter, raw)
}

func TestCheckHandmadePDF(t *testing.T) {
	tests := []struct {
		name   string
		pdf    []byte
		reason Reason
		pages  int
		detail string
	}{
		{"minimal", handPDF(onePage), ReasonNone, 1, ""},
		{
			"names with #xx escapes",
			handPDF(onePage, "4 0 obj << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >> endobj\n"),
			ReasonPDFJavaScript, 1, "name=/JavaScript",
		},
		{
			"launch action",
			handPDF(onePage, "4 0 obj << /S /Launch /F (cmd.exe) >> endobj\n"),
			ReasonPDFJavaScript, 1, "name=/Launch",
		},
		{
			"XFA form",
			handPDF(onePage, "4 0 obj << /Fields [] /XFA 5 0 R >> endobj\n"),
			ReasonPDFJavaScript, 1, "name=/XFA",
		},
		{
			"file attachment annotation",
			handPDF(onePage, "4 0 obj << /Type /Annot /Subtype /FileAttachment /FS << /Type /Filespec /EF << /F 5 0 R >> >> >> endobj\n"),
			ReasonPDFEmbeddedFiles, 1, "name=/FileAttachment",
		},
		{
			"JavaScript after an unterminated string",
			handPDF(onePage, "4 0 obj << /Title (never closed >> endobj\n", "5 0 obj << /S /JavaScript /JS (x) >> endobj\n"),
			ReasonPDFJavaScript, 1, "name=/JavaScript",
		},
		{
			"JavaScript inside the data of a stream without a length",
			handPDF(onePage, "4 0 obj << /Length 9 0 R >> stream\nBT\n5 0 obj << /S /JavaScript /JS (x) >> endobj\nendstream endobj\n"),
			ReasonPDFJavaScript, 1, "name=/JavaScript",
		},
		{
			"names in strings, comments and content streams are text",
			handPDF(onePage, "% /JavaScript in a comment\n4 0 obj << /Title (about /JS and /Launch) /Length 17 >> stream\n/JS /Launch BT ET\nendstream endobj\n"),
			ReasonNone, 1, "",
		},
		{
			"JavaScript in a deflated object stream",
			handPDF(onePage, objectStream(6, "/FlateDecode", map[int]string{4: "<< /Type /Page /Parent 2 0 R >>", 5: "<< /S /JavaScript /JS 7 0 R >>"})),
			ReasonPDFJavaScript, 2, "name=/JavaScript",
		},
		{
			"pages in an uncompressed object stream",
			handPDF(onePage, objectStream(6, "[]", map[int]string{4: "<< /Type /Page >>", 5: "<< /Type /Page >>"})),
			ReasonNone, 3, "",
		},
		{
			"object stream with a filter the scan cannot undo",
			handPDF(onePage, objectStream(6, "/LZWDecode", map[int]string{4: "<< /Type /Page >>"})),
			ReasonDamaged, 1, "",
		},
		{
			"incremental update turns a page into something else",
			append(handPDF(onePage, "4 0 obj << /Type /Page /Parent 2 0 R >> endobj\n"),
				"4 0 obj << /Type /Annot >> endobj\ntrailer << /Root 1 0 R /Prev 9 >>\n%%EOF\n"...),
			ReasonNone, 1, "",
		},
		{
			"encrypted: trailer /Encrypt",
			[]byte("%PDF-1.7\n" + onePage + "trailer << /Root 1 0 R /Encrypt 9 0 R >>\n%%EOF\n"),
			ReasonPDFEncrypted, 1, "name=/Encrypt",
		},
		{"no %%EOF", []byte("%PDF-1.7\n" + onePage), ReasonDamaged, 0, "error=attachments: pdf: no %%EOF marker"},
		{"no page", handPDF("1 0 obj << /Type /Catalog >> endobj\n"), ReasonDamaged, 0, "error=attachments: pdf: no page object"},
		{"/Pages is not a page", handPDF("2 0 obj << /Type /Pages /Count 1 >> endobj\n"), ReasonDamaged, 0, ""},
		{
			"nested too deep",
			handPDF(onePage, "4 0 obj "+strings.Repeat("[", 1000)+" endobj\n"),
			ReasonDamaged, 1, "",
		},
		{
			"ZIP appended after %%EOF",
			append(handPDF(onePage), readTestdata(t, "zip-renamed.png")...),
			ReasonPolyglot, 1, "embedded=application/zip",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Check(context.Background(), mailparse.Part{Filename: "x.pdf", Body: tt.pdf}, DefaultPolicy())
			if v.Reason != tt.reason || v.Accepted != (tt.reason == ReasonNone) {
				t.Fatalf("Check(%s) = %q (%s), want %q", tt.name, v.Reason, v.Detail, tt.reason)
			}
			if v.Pages != tt.pages {
				t.Errorf("Check(%s).Pages = %d, want %d", tt.name, v.Pages, tt.pages)
			}
			if tt.detail != "" && !containsFact(v.Detail, tt.detail) {
				t.Errorf("Check(%s).Detail = %q, want it to hold %q", tt.name, v.Detail, tt.detail)
			}
		})
	}
}

func TestCheckPDFInflateLimit(t *testing.T) {
	// 2 MiB of spaces deflate to a few kilobytes; 8 × a 100 KiB limit is
	// less than that.
	bomb := "<< /Type /Page >>" + strings.Repeat(" ", 2<<20)
	pdf := handPDF(onePage, objectStream(6, "/FlateDecode", map[int]string{4: bomb}))
	pol := DefaultPolicy()
	pol.MaxSize = 100 << 10
	v := Check(context.Background(), mailparse.Part{Body: pdf}, pol)
	if v.Reason != ReasonDamaged || !strings.Contains(v.Detail, "inflate") {
		t.Errorf("Check(deflate bomb in an object stream) = %q (%s), want damaged", v.Reason, v.Detail)
	}
}
