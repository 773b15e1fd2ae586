package attachments

import (
	"strings"
	"testing"
)

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("я", 150)
	tests := []struct {
		name, detected string
		want           string
	}{
		{"Снимок экрана.png", typePNG, "Снимок экрана.png"},
		{"../../etc/passwd", typeText, "passwd"},
		{`C:\Users\Иван\Desktop\скан.jpg`, typeJPEG, "скан.jpg"},
		{"photo\u202Egnp.exe", typeEXE, "photognp.exe"},               // right-to-left override
		{"\u2067invoice\u2069.pdf", typePDF, "invoice.pdf"},           // bidi isolates
		{"report\x00.pdf\r\n", typePDF, "report.pdf"},                 // control characters
		{".htaccess", typeText, "htaccess"},                           // leading dot
		{"...png", typePNG, "png"},                                    // nothing but dots first
		{"scan.pdf.", typePDF, "scan.pdf"},                            // Windows drops trailing dots
		{`a<b>c:d"e|f?g*h.png`, typePNG, "a_b_c_d_e_f_g_h.png"},       // forbidden on Windows
		{"CON.png", typePNG, "_CON.png"},                              // a device on Windows
		{"zero\u200bwidth.png", typePNG, "zerowidth.png"},             // format character
		{"и\u0306мя.jpg", typeJPEG, "\u0439мя.jpg"},                   // macOS sends NFD
		{"", typePNG, "attachment-1.png"},                             // no name
		{"/", typePDF, "attachment-1.pdf"},                            // nothing after the path
		{"\u202e", typeZIP, "attachment-1.zip"},                       // nothing but a control
		{"", typeUnknown, "attachment-1.bin"},                         // unknown type
		{long + ".jpeg", typeJPEG, strings.Repeat("я", 95) + ".jpeg"}, // cut, extension kept
		{long, typeJPEG, strings.Repeat("я", 100)},                    // cut, no extension
		{"a." + long, typeJPEG, "a." + strings.Repeat("я", 98)},       // too long an extension
	}
	for _, tt := range tests {
		if got := sanitizeName(tt.name, tt.detected, 1); got != tt.want {
			t.Errorf("sanitizeName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFixExtension(t *testing.T) {
	tests := []struct {
		name, detected, want string
	}{
		{"scan.jpg", typePDF, "scan.pdf"},
		{"photo.JPEG", typeJPEG, "photo.JPEG"},
		{"photo.jfif", typeJPEG, "photo.jfif"},
		{"photo", typeJPEG, "photo.jpg"},
		{"photognp.exe", typePNG, "photognp.png"},
		{"Скан.PDF", typePDF, "Скан.PDF"},
		{strings.Repeat("a", 98) + ".p", typePNG, strings.Repeat("a", 96) + ".png"},
	}
	for _, tt := range tests {
		if got := fixExtension(tt.name, tt.detected); got != tt.want {
			t.Errorf("fixExtension(%q, %s) = %q, want %q", tt.name, tt.detected, got, tt.want)
		}
	}
}
