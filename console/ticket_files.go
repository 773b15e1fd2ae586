package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// fileCSP is the Content-Security-Policy of a served file: should a
// browser ever render one as a document, it runs nothing and loads
// nothing, in a sandbox.
const fileCSP = "default-src 'none'; sandbox"

// raw serves a letter's bytes as received or sent: GET
// /tickets/{number}/messages/{id}/raw and its API twin, as message/rfc822
// to save, never to show. The letter must belong to the ticket.
func (tp *ticketPages) raw(w http.ResponseWriter, r *http.Request) {
	number := ticketNumber(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		tp.fail(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	t, ok := tp.ticketOf(w, r, number)
	if !ok {
		return
	}
	msgs, err := tp.store.Messages(r.Context(), t.ID)
	if err != nil {
		tp.log.Error("console raw", "ticket", number, redact.Err(err))
		tp.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	found := false
	for _, m := range msgs {
		found = found || m.ID == id
	}
	if !found {
		tp.fail(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	b, err := tp.store.Raw(r.Context(), id)
	if errors.Is(err, store.ErrPurged) {
		tp.fail(w, r, http.StatusGone, "error.purged")
		return
	}
	if err != nil {
		tp.log.Error("console raw", "ticket", number, "letter", id, redact.Err(err))
		tp.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	if perr := tp.recordRead(r, store.ReadLetter, t.ID, letterRead(id)); perr != nil {
		tp.fail(w, r, perr.status, perr.key)
		return
	}
	serveFile(w, "message/rfc822", "attachment", fmt.Sprintf("%s-%d.eml", t.Number, id), b)
}

// file serves GET /tickets/{number}/files/{sum}: a file a letter of the
// ticket carried, its original bytes, to save (Content-Disposition:
// attachment). Only an accepted PDF or image keeps its type; anything
// else, every rejected file included, is application/octet-stream.
func (tp *ticketPages) file(w http.ResponseWriter, r *http.Request) {
	t, f, ok := tp.fileOf(w, r)
	if !ok {
		return
	}
	b, ok := tp.blob(w, r, f.SHA256)
	if !ok || !tp.fileRecorded(w, r, t, f, "") {
		return
	}
	typ := "application/octet-stream"
	if f.Verdict == store.VerdictAccepted && (displayType(f.DetectedType) != "" || f.DetectedType == "application/pdf") {
		typ = f.DetectedType
	}
	serveFile(w, typ, "attachment", f.Filename, b)
}

// thumbnail serves the thumbnail (PNG) of an accepted image, to show in
// the page.
func (tp *ticketPages) thumbnail(w http.ResponseWriter, r *http.Request) {
	t, f, ok := tp.fileOf(w, r)
	if !ok {
		return
	}
	if f.Verdict != store.VerdictAccepted || f.ThumbnailSHA256 == "" {
		tp.fail(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	b, ok := tp.blob(w, r, f.ThumbnailSHA256)
	if !ok || !tp.fileRecorded(w, r, t, f, "thumbnail") {
		return
	}
	serveFile(w, "image/png", "inline", f.Filename+".thumbnail.png", b)
}

// image serves the display copy of an accepted image (upright, without
// metadata) to view full size.
func (tp *ticketPages) image(w http.ResponseWriter, r *http.Request) {
	t, f, ok := tp.fileOf(w, r)
	if !ok {
		return
	}
	typ := displayType(f.DetectedType)
	if f.Verdict != store.VerdictAccepted || f.DisplaySHA256 == "" || typ == "" {
		tp.fail(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	b, ok := tp.blob(w, r, f.DisplaySHA256)
	if !ok || !tp.fileRecorded(w, r, t, f, "display copy") {
		return
	}
	serveFile(w, typ, "inline", f.Filename, b)
}

// ticketOf reads the ticket of a request, answering 404 or 500 itself.
func (tp *ticketPages) ticketOf(w http.ResponseWriter, r *http.Request, number string) (store.Ticket, bool) {
	t, err := tp.store.Ticket(r.Context(), number)
	if errors.Is(err, store.ErrNotFound) {
		tp.fail(w, r, http.StatusNotFound, "error.not_found")
		return t, false
	}
	if err != nil {
		tp.log.Error("console ticket", "ticket", number, redact.Err(err))
		tp.fail(w, r, http.StatusInternalServerError, "error.internal")
		return t, false
	}
	return t, true
}

// fileOf reads the file {sum} of ticket {number}: one a letter of that
// ticket carried, or 404. It returns the ticket too.
func (tp *ticketPages) fileOf(w http.ResponseWriter, r *http.Request) (store.Ticket, store.AttachmentFile, bool) {
	sum := r.PathValue("sum")
	if !isSHA256(sum) {
		tp.fail(w, r, http.StatusNotFound, "error.not_found")
		return store.Ticket{}, store.AttachmentFile{}, false
	}
	t, ok := tp.ticketOf(w, r, ticketNumber(r))
	if !ok {
		return t, store.AttachmentFile{}, false
	}
	f, err := tp.store.AttachmentFile(r.Context(), t.ID, sum)
	if errors.Is(err, store.ErrNotFound) {
		tp.fail(w, r, http.StatusNotFound, "error.not_found")
		return t, f, false
	}
	if err != nil {
		tp.log.Error("console file", "ticket", t.Number, redact.Err(err))
		tp.fail(w, r, http.StatusInternalServerError, "error.internal")
		return t, f, false
	}
	return t, f, true
}

// fileRecorded records the read of file f of ticket t, or of its copy
// kind (see fileRead), answering 500 itself when it cannot.
func (tp *ticketPages) fileRecorded(w http.ResponseWriter, r *http.Request, t store.Ticket, f store.AttachmentFile, kind string) bool {
	if perr := tp.recordRead(r, store.ReadFile, t.ID, fileRead(f, kind)); perr != nil {
		tp.fail(w, r, perr.status, perr.key)
		return false
	}
	return true
}

// blob reads stored bytes, answering 404 or 500 itself.
func (tp *ticketPages) blob(w http.ResponseWriter, r *http.Request, sum string) ([]byte, bool) {
	b, err := tp.store.Blob(r.Context(), sum)
	if errors.Is(err, store.ErrNotFound) {
		tp.fail(w, r, http.StatusNotFound, "error.not_found")
		return nil, false
	}
	if errors.Is(err, store.ErrPurged) {
		tp.fail(w, r, http.StatusGone, "error.purged")
		return nil, false
	}
	if err != nil {
		tp.log.Error("console blob", redact.Err(err))
		tp.fail(w, r, http.StatusInternalServerError, "error.internal")
		return nil, false
	}
	return b, true
}

// serveFile writes b as a file of type typ, shown (inline) or saved
// (attachment) under name, never sniffed, in a sandbox.
func serveFile(w http.ResponseWriter, typ, disposition, name string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", typ)
	h.Set("Content-Disposition", contentDisposition(disposition, name))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", fileCSP)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// contentDisposition is a Content-Disposition of kind for a file name
// (RFC 6266): filename with an ASCII stand-in for old clients, filename*
// with the name itself in UTF-8 (RFC 8187).
func contentDisposition(kind, name string) string {
	if name == "" {
		name = "file"
	}
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
	return kind + `; filename="` + ascii + `"; filename*=UTF-8''` + percentEncode(name)
}

// percentEncode encodes s as an RFC 8187 value-chars: attr-char kept,
// every other byte of its UTF-8 as %XX.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// isSHA256 reports whether s is a lower-case hex SHA-256.
func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
