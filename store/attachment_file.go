package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// AttachmentFile is a file one of a ticket's letters carried, with where
// its copies are (Attachment.ThumbnailSHA256 and DisplaySHA256): what
// the console needs to serve it.
type AttachmentFile struct {
	Attachment
	MessageID int64 // the Message.ID of the letter that carried it
}

// AttachmentFile returns the file with SHA-256 sum that a letter of ticket
// ticketID carried, without its bytes, or ErrNotFound when none of the
// ticket's letters carried it. A file carried twice is returned as it was
// first stored.
func (db *DB) AttachmentFile(ctx context.Context, ticketID int64, sum string) (AttachmentFile, error) {
	var f AttachmentFile
	var names []byte
	a := &f.Attachment
	err := db.conn().QueryRowContext(ctx, `SELECT a.message_id, a.filename, a.original_name, a.declared_type,
		a.detected_type, a.size, a.sha256, a.verdict, a.reason, a.detail, a.width, a.height, a.pages,
		COALESCE(a.thumbnail_sha256, ''), COALESCE(a.display_sha256, ''), a.sealed_names
		FROM messages m JOIN attachments a ON a.message_id = m.id
		WHERE m.ticket_id = ? AND a.sha256 = ? ORDER BY a.id LIMIT 1`, ticketID, sum).
		Scan(&f.MessageID, &a.Filename, &a.OriginalName, &a.DeclaredType, &a.DetectedType, &a.Size, &a.SHA256,
			&a.Verdict, &a.Reason, &a.Detail, &a.Width, &a.Height, &a.Pages, &a.ThumbnailSHA256, &a.DisplaySHA256, &names)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("store: file %s of ticket %d: %w", sum, ticketID, ErrNotFound)
	}
	if err == nil {
		err = db.openFields(names, fileNamesAD(f.MessageID, a.SHA256), &a.Filename, &a.OriginalName)
	}
	if err != nil {
		return f, fmt.Errorf("store: file %s of ticket %d: %w", sum, ticketID, err)
	}
	return f, nil
}
