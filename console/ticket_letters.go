package console

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/console/internal/mailview"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/triage"
)

// maxInlineImage is the largest display copy of a letter's inline (cid:)
// image put in its HTML view as a data: URI; a larger one shows as a
// placeholder (its thumbnail is in the letter's files).
const maxInlineImage = 2 << 20

// letterView is one letter of the conversation as the page shows it.
// Everything in it that came from a letter is data for html/template.
type letterView struct {
	store.Message
	At     time.Time // received, or sent (queued while not sent)
	Queued bool      // an outgoing letter not sent yet
	// TemplateTitle is the title of the template a letter out was written
	// from, in the page's language (the template's name when the catalog
	// gives none); "" for a letter of no template.
	TemplateTitle string
	// Folded letters are shown as one line that opens to the whole
	// letter: ticketd's automatic letters out (acknowledgements), which
	// would otherwise push the conversation and the reply form down.
	Folded   bool
	Text     string // the citizen's own words, or the whole text of a letter out
	Quoted   string // quoted history and signature, split off
	HTML     string // the srcdoc document of its HTML body; "" without one
	Note     string // why it was not read whole
	Broken   bool   // its bytes could not be loaded
	Purged   bool   // a retention purge removed it: only its hash, size and dates are left
	Personal []triage.PersonalData
	RawURL   string
	Images   []fileView // accepted images, with thumbnails
	Files    []fileView // other accepted files (PDF)
	Skipped  []fileView // signature logos
	Rejected []fileView // refused files, with the reason; never shown inline

	RemoteImages int // remote images not loaded
}

// fileView is one file of a letter.
type fileView struct {
	store.Attachment
	SizeText string // the size for people: 12 KB
	URL      string // the download (Content-Disposition: attachment)
	ThumbURL string // accepted images: the thumbnail
	ImageURL string // accepted images: the display copy, full size
	Explain  string // rejected files: why, in the page's language
}

// letterViews makes the views of a conversation's letters, in the order
// they were stored. A letter whose bytes cannot be read is shown broken.
func (tp *ticketPages) letterViews(ctx context.Context, v *view, conv replies.Conversation, opt pageOptions) []letterView {
	t := conv.Ticket
	base := "/tickets/" + t.Number
	out := make([]letterView, 0, len(conv.Messages))
	for _, cm := range conv.Messages {
		m := cm.Message
		lv := letterView{Message: m, At: m.CreatedAt, RawURL: fmt.Sprintf("%s/messages/%d/raw", base, m.ID)}
		if m.Direction == store.DirectionOut {
			lv.Queued = m.SentAt.IsZero()
			if !lv.Queued {
				lv.At = m.SentAt
			}
			lv.TemplateTitle, lv.Folded = tp.templateOf(m, v.Lang)
		}
		if !m.PurgedAt.IsZero() {
			lv.Purged, lv.Folded = true, false
			out = append(out, lv)
			continue
		}
		for _, a := range cm.Attachments {
			fv := fileView{Attachment: a, URL: base + "/files/" + a.SHA256, SizeText: sizeText(a.Size)}
			switch {
			case a.Verdict == store.VerdictAccepted && displayType(a.DetectedType) != "":
				fv.ThumbURL, fv.ImageURL = fv.URL+"/thumbnail", fv.URL+"/image"
				lv.Images = append(lv.Images, fv)
			case a.Verdict == store.VerdictAccepted:
				lv.Files = append(lv.Files, fv)
			case a.Verdict == store.VerdictSkipped:
				lv.Skipped = append(lv.Skipped, fv)
			default:
				fv.Explain = verdictOf(a).Explain(v.Lang)
				lv.Rejected = append(lv.Rejected, fv)
			}
		}
		key := letterKey{sum: m.RawSHA256, direction: m.Direction, images: opt.images, lang: v.Lang}
		e, ok := tp.cache.get(key)
		if !ok {
			raw, err := tp.store.Raw(ctx, m.ID)
			if err != nil {
				tp.log.Error("console letter", "ticket", t.Number, "letter", m.ID, redact.Err(err))
				lv.Broken = true
				out = append(out, lv)
				continue
			}
			e = tp.readLetter(ctx, key, raw, t, cm.Attachments, v, opt)
			tp.cache.put(e)
		}
		lv.Text, lv.Quoted, lv.HTML, lv.Note = e.text, e.quoted, e.html, e.note
		lv.RemoteImages, lv.Personal = e.remoteImages, e.personal
		out = append(out, lv)
	}
	return out
}

// templateOf returns the title, in lang, of the template letter m was
// written from, and whether m is an automatic letter of ticketd's (the
// letter says so, or its template is one the daemon sends by itself).
func (tp *ticketPages) templateOf(m store.Message, lang string) (title string, automatic bool) {
	automatic = m.Auto
	if m.Template == "" {
		return "", automatic
	}
	title = m.Template
	if tp.letters() != nil {
		if d, ok := tp.letters().Describe(m.Template); ok {
			if t := d.TitleIn(lang); t != "" {
				title = t
			}
			automatic = automatic || d.Automatic
		}
	}
	return title, automatic
}

// readLetter parses a letter's bytes into what its view shows: text,
// sanitised HTML (letters in only: ours are built from their text) and
// the personal data in it.
func (tp *ticketPages) readLetter(ctx context.Context, key letterKey, raw []byte, t store.Ticket, files []store.Attachment, v *view, opt pageOptions) letterEntry {
	e := letterEntry{key: key}
	if key.direction == store.DirectionOut {
		l, err := mailparse.Parse(raw, nil)
		if err != nil {
			e.note = err.Error()
		}
		e.text = strings.TrimSpace(l.Text)
		return e
	}
	mv := tp.mail.Letter(raw, nil, mailview.Options{
		RemoteImages: opt.images,
		Placeholder:  v.T("letter.image_blocked"),
		Image:        tp.inlineImage(ctx, t.ID, files),
	})
	l := mv.Letter
	e.note, e.html, e.remoteImages = mv.Note, mv.HTML, mv.RemoteImages
	e.text = strings.TrimSpace(l.Description)
	e.quoted = strings.TrimSpace(strings.TrimSpace(l.Quoted) + "\n\n" + strings.TrimSpace(l.Signature))
	if e.text == "" {
		e.text, e.quoted = strings.TrimSpace(l.Text), ""
	}
	if !l.AutoSubmitted() {
		e.personal = tp.rules.Extract(l.Subject, l.Text).PersonalData
	}
	return e
}

// inlineImage returns the mailview.Options.Image of a letter: a cid:
// image is shown when the letter's part is one of its accepted or
// skipped files (checked by the attachments package), from its display
// copy, as a data: URI.
func (tp *ticketPages) inlineImage(ctx context.Context, ticketID int64, files []store.Attachment) func(string, mailparse.Part) string {
	return func(_ string, p mailparse.Part) string {
		sum := sha256.Sum256(p.Body)
		hexSum := hex.EncodeToString(sum[:])
		for _, a := range files {
			if a.SHA256 != hexSum || a.Verdict == store.VerdictRejected {
				continue
			}
			typ := displayType(a.DetectedType)
			if typ == "" {
				return ""
			}
			f, err := tp.store.AttachmentFile(ctx, ticketID, hexSum)
			if err != nil || f.DisplaySHA256 == "" {
				return ""
			}
			b, err := tp.store.Blob(ctx, f.DisplaySHA256)
			if err != nil || len(b) > maxInlineImage {
				return ""
			}
			return "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(b)
		}
		return ""
	}
}

// displayType is the Content-Type an accepted image is shown with, "" for
// a file that is not shown as an image.
func displayType(detected string) string {
	switch detected {
	case "image/png", "image/jpeg", "image/gif":
		return detected
	}
	return ""
}

// verdictOf is the attachments.Verdict a stored file was given, for
// Explain.
func verdictOf(a store.Attachment) attachments.Verdict {
	return attachments.Verdict{
		Filename: a.Filename, OriginalName: a.OriginalName, DeclaredType: a.DeclaredType, DetectedType: a.DetectedType,
		Size: a.Size, Accepted: a.Verdict == store.VerdictAccepted, Skipped: a.Verdict == store.VerdictSkipped,
		Reason: attachments.Reason(a.Reason), Detail: a.Detail, Width: a.Width, Height: a.Height, Pages: a.Pages,
	}
}

// sizeText is a file size for people: bytes, KB or MB.
func sizeText(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
