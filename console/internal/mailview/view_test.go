package mailview

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/mailparse"
)

// hostileLetter is an HTML letter with an inline (cid:) image, a remote
// tracking pixel and script.
const hostileLetter = "From: Citizen <citizen@example.ru>\r\n" +
	"To: support@example.ru\r\n" +
	"Subject: =?utf-8?b?0J/RgNC+0LHQu9C10LzQsA==?=\r\n" +
	"Message-ID: <hostile-1@example.ru>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/related; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<html><head><meta http-equiv=refresh content=\"0;url=https://evil.example/\"><base href=\"https://evil.example/\"></head>" +
	"<body><p>Не могу войти</p><script>alert(1)</script><img src=\"https://evil.example/pixel.gif\">" +
	"<img src=\"cid:shot@example.ru\"><a href=\"javascript:alert(1)\">x</a></body></html>\r\n" +
	"--b1\r\n" +
	"Content-Type: image/png\r\n" +
	"Content-ID: <shot@example.ru>\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"iVBORw0KGgo=\r\n" +
	"--b1--\r\n"

func TestLetter(t *testing.T) {
	r := New()
	var asked []string
	image := func(cid string, p mailparse.Part) string {
		asked = append(asked, cid)
		return "data:image/png;base64," + base64.StdEncoding.EncodeToString(p.Body)
	}
	v := r.Letter([]byte(hostileLetter), nil, Options{Image: image})
	if v.Note != "" {
		t.Errorf("Note = %q, want none", v.Note)
	}
	if !strings.Contains(v.Letter.Text, "Не могу войти") {
		t.Errorf("Text = %q, want the letter's words", v.Letter.Text)
	}
	if v.RemoteImages != 1 {
		t.Errorf("RemoteImages = %d, want 1", v.RemoteImages)
	}
	if len(asked) != 1 || asked[0] != "shot@example.ru" {
		t.Errorf("Image asked for %q, want [shot@example.ru]", asked)
	}
	if !strings.Contains(v.HTML, `<img src="data:image/png;base64,iVBORw0KGgo=" referrerpolicy="no-referrer" loading="lazy">`) {
		t.Errorf("HTML = %q, want the inline image as data:", v.HTML)
	}
	checkDocument(t, v.HTML)
	body := v.HTML[strings.Index(v.HTML, "<body>")+len("<body>") : strings.LastIndex(v.HTML, "</body>")]
	checkSafe(t, body, false)
	for _, bad := range []string{"evil.example", "<script", "javascript:", "refresh"} {
		if strings.Contains(v.HTML, bad) {
			t.Errorf("HTML = %q, holds %q", v.HTML, bad)
		}
	}

	plain := r.Letter([]byte("From: a@example.ru\r\nSubject: x\r\n\r\njust text\r\n"), nil, Options{})
	if plain.HTML != "" || !strings.Contains(plain.Letter.Text, "just text") {
		t.Errorf("plain letter: HTML = %q, Text = %q; want no HTML and the text", plain.HTML, plain.Letter.Text)
	}
}
