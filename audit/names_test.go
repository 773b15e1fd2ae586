package audit

import (
	"strings"
	"testing"
)

func TestSafeName(t *testing.T) {
	long := strings.Repeat("я", 100) + ".pdf" // 204 bytes
	for _, tc := range []struct{ in, want string }{
		{"scan.pdf", "scan.pdf"},
		{"Скан паспорта.jpg", "Скан паспорта.jpg"},
		{"../../etc/passwd", "_._etc_passwd"},
		{`..\..\boot.ini`, `_._boot.ini`},
		{"/abs/name.txt", "_abs_name.txt"},
		{"report..pdf", "report.pdf"},
		{".htaccess", "htaccess"},
		{"name. ", "name"},
		{"invoice\u202efdp.exe", "invoice_fdp.exe"}, // RIGHT-TO-LEFT OVERRIDE would show it as invoiceexe.pdf
		{"tab\there\x00nul\x7f.txt", "tab_here_nul_.txt"},
		{"a:b*c?d\"e<f>g|h.txt", "a_b_c_d_e_f_g_h.txt"},
		{"\xff\xfe.txt", "_.txt"},
		{"", "file"},
		{"..", "file"},
		{long, strings.Repeat("я", 58) + ".pdf"},
	} {
		got := SafeName(tc.in)
		if got != tc.want {
			t.Errorf("SafeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := SafeName(got); again != got {
			t.Errorf("SafeName(SafeName(%q)) = %q, want it unchanged", tc.in, again)
		}
		if len(got) > maxNameBytes {
			t.Errorf("SafeName(%q) is %d bytes", tc.in, len(got))
		}
	}
}

func FuzzSafeName(f *testing.F) {
	f.Add("../a\u202e.pdf")
	f.Fuzz(func(t *testing.T, name string) {
		got := SafeName(name)
		if SafeName(got) != got || !safePath("files/"+got) || len(got) > maxNameBytes {
			t.Errorf("SafeName(%q) = %q: not a safe, settled name", name, got)
		}
	})
}
