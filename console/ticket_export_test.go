package console

import (
	"bytes"
	"context"
	"image/color"
	"net/http"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/audit"
	"github.com/ticketd/ticketd/store"
)

func TestTicketExport(t *testing.T) {
	f := newFixture(t)
	png := pngImage(t, color.Gray{Y: 128})
	raw := "From: citizen@example.ru\r\nSubject: scan\r\n\r\nthe scan\r\n"
	tk := f.ingest(inLetter{raw: raw, messageID: "e1@example.ru", subject: "scan",
		files: []store.Attachment{{Filename: "scan.png", DeclaredType: "image/png", DetectedType: "image/png",
			Size: int64(len(png)), Verdict: store.VerdictAccepted, Data: png}}})
	path := "/tickets/" + strings.ToLower(tk.Number) + "/export.zip"

	for _, name := range []string{"ivan", "root"} { // the auditor, the admin
		resp, body := f.do(request{path: path, cookies: []*http.Cookie{f.signIn(name)}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET %s = %s\n%s", name, path, resp.Status, body)
		}
		h := resp.Header
		if h.Get("Content-Type") != "application/zip" || !strings.HasPrefix(h.Get("Content-Disposition"), `attachment; filename="TKT-000001-export.zip"`) ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != fileCSP {
			t.Errorf("%s: export headers %v", name, h)
		}
		rep, err := audit.VerifyExport(strings.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("%s: the console's export does not verify: %v", name, err)
		}
		if rep.Letters != 1 || rep.Files != 1 || rep.ExportedBy != name {
			t.Errorf("%s: export holds %+v", name, rep)
		}
	}
	reads, err := f.db.Reads(context.Background(), store.ReadFilter{TicketID: tk.ID})
	if err != nil || len(reads) != 2 || reads[0].Action != "read.export" || reads[0].Actor != "root" || reads[0].Detail != "TKT-000001 (console)" {
		t.Errorf("reads of the ticket = %+v, %v; want the two exports", reads, err)
	}

	anna := f.signIn("anna")
	if resp, _ := f.do(request{path: path, cookies: []*http.Cookie{anna}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("operator: GET %s = %s, want 403", path, resp.Status)
	}
	if resp, _ := f.do(request{path: path}); resp.StatusCode == http.StatusOK {
		t.Errorf("signed out: GET %s = %s", path, resp.Status)
	}
	if resp, _ := f.do(request{path: "/tickets/TKT-000099/export.zip", cookies: []*http.Cookie{f.signIn("ivan")}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("export of no ticket = %s, want 404", resp.Status)
	}
	if reads, _ := f.db.Reads(context.Background(), store.ReadFilter{TicketID: tk.ID}); len(reads) != 2 {
		t.Errorf("refused exports were recorded: %+v", reads)
	}

	// The link is on the ticket page for those who may follow it.
	for name, want := range map[string]bool{"ivan": true, "root": true, "anna": false} {
		_, body := f.do(request{path: "/tickets/" + tk.Number, cookies: []*http.Cookie{f.signIn(name)}})
		page := parseHTMLPage(t, body)
		link := page.byID("a", "export")
		if (link != nil) != want {
			t.Errorf("%s: export link shown = %v, want %v", name, link != nil, want)
		}
		if link != nil && nodeAttr(link, "href") != "/tickets/TKT-000001/export.zip" {
			t.Errorf("%s: export link = %q", name, nodeAttr(link, "href"))
		}
	}
	if _, body := f.do(request{path: "/tickets/" + tk.Number + "?lang=en", cookies: []*http.Cookie{f.signIn("ivan")}}); !bytes.Contains([]byte(body), []byte("Export (zip)")) {
		t.Error("the English page lacks the export link's text")
	}
}
