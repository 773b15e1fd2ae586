package attachments

import (
	"context"
	"testing"

	"github.com/ticketd/ticketd/mailparse"
)

func TestCheckAppended(t *testing.T) {
	png := readTestdata(t, "screenshot.png")
	jpg := readTestdata(t, "phone-orientation6-gps.jpg")
	pdf := readTestdata(t, "two-pages.pdf")
	exe := readTestdata(t, "pe-renamed.png")
	zip := readTestdata(t, "zip-renamed.png")
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	tests := []struct {
		name     string
		body     []byte
		reason   Reason
		embedded string
	}{
		{"PNG then PDF", cat(png, pdf), ReasonPolyglot, typePDF},
		{"PNG then ZIP", cat(png, zip), ReasonPolyglot, typeZIP},
		{"PDF then ZIP", cat(pdf, zip), ReasonPolyglot, typeZIP},
		{"PDF then program", cat(pdf, exe), ReasonPolyglot, typeEXE},
		{"program then JPEG", cat(exe, jpg), ReasonWrongType, ""},
		// QUIRK: Google's Motion Photos append an MP4 after EOI, Ultra HDR
		// photos a gain-map JPEG: phones do this, and it is no second
		// format that runs.
		{"JPEG then MP4 (Motion Photo)", cat(jpg, []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08mdat")), ReasonNone, ""},
		{"JPEG then JPEG (Ultra HDR gain map)", cat(jpg, jpg), ReasonNone, ""},
		{"JPEG then zeros", cat(jpg, make([]byte, 4096)), ReasonNone, ""},
	}
	for _, tt := range tests {
		v := Check(context.Background(), mailparse.Part{Filename: "x", Body: tt.body}, DefaultPolicy())
		if v.Reason != tt.reason || fact(v.Detail, "embedded") != tt.embedded {
			t.Errorf("Check(%s) = %q (%s), want %q embedded=%s", tt.name, v.Reason, v.Detail, tt.reason, tt.embedded)
		}
	}
}
