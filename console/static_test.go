package console

import (
	"strings"
	"testing"
)

func TestFavicon(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/favicon.ico", "/static/favicon.svg"} {
		resp, body := f.do(request{path: path}) // signed out: browsers ask before anyone signs in
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(body, "<svg") {
			t.Errorf("GET %s = %s, %s, %.40q, want the SVG icon", path, resp.Status, resp.Header.Get("Content-Type"), body)
		}
	}
	_, body := f.do(request{path: "/login"})
	if !strings.Contains(body, `<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">`) {
		t.Errorf("the sign-in page names no icon:\n%s", body)
	}
}
