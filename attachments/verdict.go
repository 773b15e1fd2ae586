package attachments

// Verdict is what Check found out about one part.
type Verdict struct {
	// Filename is safe to show and to offer for download: no directories,
	// control or bidi characters, no leading dot, at most 100 characters
	// with the extension kept, never empty ("attachment-1.png"). For an
	// accepted or skipped file the extension matches DetectedType.
	Filename     string
	OriginalName string // the filename as the letter gave it
	DeclaredType string // the media type as the letter gave it
	// DetectedType is the media type found from the content:
	// "image/jpeg", "image/png", "application/pdf", "application/zip",
	// "application/x-msdownload", "image/gif", "text/plain",
	// "application/octet-stream" and so on.
	DetectedType string
	Size         int64  // length of the original bytes
	SHA256       string // lower-case hex SHA-256 of the original bytes

	Accepted bool // the file counts as one of the citizen's files
	// Skipped marks a signature logo (see the package doc): not a
	// screenshot, not counted, not explained, but still stored.
	Skipped bool
	Reason  Reason // why the file was not accepted; ReasonNone when it was
	// Detail holds the facts behind Reason as "key=value" pairs joined by
	// "; ", for operators and for Explain: "size=7549747; limit=5242880",
	// "type=application/zip; allowed=image/jpeg,image/png,application/pdf".
	Detail string

	// Width and Height are the pixel dimensions of an image as stored in
	// the file, before EXIF orientation is applied.
	Width, Height int
	Pages         int // the number of pages of a PDF

	// Thumbnail is a PNG Policy.ThumbWidth pixels wide, upright, of an
	// accepted image; nil otherwise. Of an image more than 4 times as high
	// as wide it shows the top part, 4 widths high.
	Thumbnail []byte
	// Display is an accepted image in its own format, upright, without
	// EXIF, GPS or any other metadata; nil otherwise. An upright JPEG or
	// PNG keeps its coded pixels unchanged (see the package doc), and its
	// Display is made of slices of the checked part's Body, not a copy
	// (the Body itself when there was nothing to drop); a turned photo or a
	// GIF is encoded anew.
	Display Pieces
}
