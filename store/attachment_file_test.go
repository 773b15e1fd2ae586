package store

import (
	"context"
	"errors"
	"testing"
)

func TestAttachmentFile(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	shot := Attachment{Filename: "shot.png", DetectedType: "image/png", Size: 3, SHA256: sha256Hex([]byte("png")),
		Verdict: VerdictAccepted, Data: []byte("png"), Thumbnail: []byte("thumb"), Display: [][]byte{[]byte("pn"), []byte("g")}}
	exe := Attachment{Filename: "a.exe", Size: 2, SHA256: sha256Hex([]byte("MZ")), Verdict: VerdictRejected, Reason: "wrong_type", Data: []byte("MZ")}
	in := inbound("a@x", "raw a", 1)
	in.Attachments = []Attachment{shot, exe}
	res, err := db.Ingest(ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.Ingest(ctx, inbound("b@x", "raw b", 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		ticket         int64
		sum            string
		err            error
		thumb, display string
		verdict        Verdict
	}{
		{"accepted image with its copies", res.Ticket.ID, shot.SHA256, nil, sha256Hex([]byte("thumb")), sha256Hex([]byte("png")), VerdictAccepted},
		{"rejected file without copies", res.Ticket.ID, exe.SHA256, nil, "", "", VerdictRejected},
		{"another ticket's file", other.Ticket.ID, shot.SHA256, ErrNotFound, "", "", ""},
		{"no such file", res.Ticket.ID, sha256Hex([]byte("none")), ErrNotFound, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := db.AttachmentFile(ctx, tc.ticket, tc.sum)
			if !errors.Is(err, tc.err) {
				t.Fatalf("AttachmentFile = %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if f.ThumbnailSHA256 != tc.thumb || f.DisplaySHA256 != tc.display || f.Verdict != tc.verdict || f.MessageID == 0 || f.SHA256 != tc.sum {
				t.Errorf("AttachmentFile = %+v", f)
			}
			if f.ThumbnailSHA256 != "" {
				if b, err := db.Blob(ctx, f.ThumbnailSHA256); err != nil || string(b) != "thumb" {
					t.Errorf("Blob(thumbnail) = %q, %v", b, err)
				}
			}
		})
	}
}
