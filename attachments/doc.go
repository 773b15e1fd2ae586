// Package attachments decides which files of a citizen's letter an operator
// may open: screenshots and photos of an error as JPEG or PNG, and PDF
// documents, each at most 5 MiB.
//
// The package is pure: Check is handed a mailparse.Part and returns a
// Verdict; it logs nothing and reads nothing but the bytes it is given. It
// never modifies those bytes: the store keeps the original under its SHA256,
// and the Verdict adds a Display copy and a Thumbnail for accepted images.
//
// # Large letters
//
// A part of a letter parsed with mailparse.ParseAt has no Body: its bytes
// stay in the letter's source until Part.Open reads them. CheckPart judges
// such a part as Check judges it whole, holding at most Policy.MaxSize of
// it: a part within MaxSize is read into memory and judged, and handed back
// for the caller to store; a larger one is read once as a stream for its
// SHA-256, size and type (typed exactly as a whole file would be) and
// rejected as too large. A failure to read the source is an error of
// CheckPart, never a verdict on the file.
//
// # How a file is judged
//
// The type is decided from the content alone: the filename and the declared
// media type are recorded but never trusted. A PDF named scan.jpg is judged
// as a PDF, a Windows program named photo.png as a program. The steps are,
// in order, each ending the check with its Reason:
//
//  1. An empty part is ReasonEmpty; a part larger than Policy.MaxSize is
//     ReasonTooLarge, decided before anything is decoded.
//  2. The magic number gives DetectedType. A type outside Policy.Allowed is
//     ReasonWrongType. Allowed may only name types Check can verify
//     (image/jpeg, image/png, image/gif, application/pdf); any other is
//     treated as not allowed.
//  3. Images: image.DecodeConfig reads the dimensions; more than
//     Policy.MaxPixels pixels is ReasonTooManyPixels. The header then says
//     how much memory decoding, turning and scaling the image will
//     allocate (see Memory below); more than Policy.MaxDecodeBytes is
//     ReasonTooLargeToDecode. Both are decided before any pixel is
//     decoded. The segment or chunk structure is then walked to its end
//     marker (EOI, IEND), checking PNG CRCs: a file that stops early is
//     ReasonDamaged.
//  4. Every allowed file is searched for a second format hidden in it: a ZIP
//     central directory, a Windows or Linux executable, a PDF header in the
//     first 1024 bytes of an image, an archive, PDF, script or executable
//     after the end marker, or HTML script or PHP code in an image. Any of
//     these is ReasonPolyglot.
//  5. Images are decoded in full; a decoder error is ReasonDamaged, even
//     when the structure walked in step 3 was whole. Accepted images get a
//     PNG Thumbnail Policy.ThumbWidth pixels wide, turned upright by the
//     EXIF orientation, and a Display copy in the same format without any
//     metadata (EXIF, GPS, XMP, IPTC, ICC profiles, comments, PNG text
//     chunks) or data after the end marker. The Display copy of an upright
//     JPEG or PNG is made without decoding: it keeps the file's own coded
//     pixels and drops the segments or chunks that carry metadata, so it
//     shows exactly what the decoder checked; it is held as slices of the
//     original (Pieces), and when there is nothing to drop it is the
//     original bytes. Since the coded pixels are kept, whatever a crafted
//     file hides inside them that the Go decoder accepts is kept too; an
//     encoding anew would wash it out, at the cost of a second copy and a
//     re-compressed picture. A JPEG whose EXIF orientation says to
//     turn it is turned and encoded again at quality 92, and a GIF's copy
//     is its first frame as PNG. Policy.Gate, when set, bounds the memory
//     the decoded pixels of all checks sharing it take at once.
//  6. PDFs are read by a small parser, described below.
//
// # Memory
//
// What an image costs to check is worked out from its header, as the
// standard library's decoders and imaging allocate, and is the sum of:
//
//   - the decoded pixels, by the colour model they decode to: 1 byte a
//     pixel for grey and paletted images, 2 for 16-bit grey, 4 for RGB(A),
//     grey with alpha and CMYK, 8 for 16-bit RGB(A) or grey with alpha. A
//     grey PNG with a tRNS chunk decodes to NRGBA (NRGBA64 at 16 bits),
//     which DecodeConfig does not tell: the chunks before IDAT are read
//     for it. A JPEG keeps one plane per component, padded to whole MCUs
//     and subsampled as its frame header says (1.5 bytes a pixel for
//     4:2:0, 3 for 4:4:4), and converts CMYK, YCCK and RGB into a new
//     image of 4 bytes a pixel; a progressive JPEG also keeps every DCT
//     coefficient, 4 bytes a sample, until its last scan;
//   - the decoder's buffers that grow with the image: two rows of a PNG,
//     and for an Adam7-interlaced PNG each pass as an image of its own;
//   - of a GIF, the first frame only, which is all image.Decode decodes
//     (gif.Decode stops after the first image descriptor), at most the
//     logical screen, counted twice since an interlaced frame is copied;
//   - the turned copy of a JPEG whose EXIF orientation says to turn it;
//   - the thumbnail: an NRGBA image ThumbWidth wide and as high as the
//     image (of a tall one, the top part it keeps), the filter weights,
//     16 bytes for each source pixel a destination pixel reads (about 96
//     a column when shrinking, which makes a very wide strip cost
//     gigabytes), and a source line per goroutine.
//
// Nothing is counted as freed before the check ends, so the sum bounds what
// the heap grows by; fixed costs of a few hundred kilobytes (coders'
// tables) and the encoded copies, about the size of the file, are left
// out. The same figure is what the check waits for at Policy.Gate. An
// image within MaxDecodeBytes but larger than the whole gate waits until
// the gate is empty and is then decoded alone.
//
// # Signature logos
//
// Mail programs put the sender's logo into every letter as an inline image.
// A part is a signature logo, reported with Skipped set and Accepted false,
// when all of these hold:
//
//   - it is inline (Content-Disposition: inline) or has a Content-ID, so
//     that the HTML body can show it with a cid: link;
//   - it is smaller than Policy.LogoMaxSize bytes (default 20 KiB);
//   - it is an image at most Policy.LogoMaxSide pixels (default 200) both
//     wide and high;
//   - it passes every check above except that of the allowed types: a small
//     inline GIF logo is skipped, not rejected.
//
// A pasted screenshot is inline too, but it is larger in bytes or in pixels,
// so it counts as an attachment. Skipped parts are still stored; they are
// neither counted nor explained to the citizen.
//
// # PDF
//
// The parser does not render pages. It splits the file at every "N G obj"
// header found in the raw bytes, so that an object a viewer would reach
// through the cross-reference table cannot hide inside an unterminated
// string or a stream of an earlier object, and reads each object with a
// fresh tokenizer. Stream data is skipped (by /Length when it is direct and
// correct, else up to "endstream"); object streams (/Type /ObjStm) are
// inflated, up to 8×MaxSize in all, and their objects read the same way.
// Names are compared after #xx escapes are decoded.
//
//   - /Encrypt anywhere (the trailer or an XRef stream) is
//     ReasonPDFEncrypted: the rest cannot be read.
//   - /JavaScript, /JS, /Launch or /XFA is ReasonPDFJavaScript: code a
//     viewer might run.
//   - /EmbeddedFile(s), /EF, /FileAttachment, /RichMedia or /GoToE is
//     ReasonPDFEmbeddedFiles.
//   - No %%EOF marker, no object with /Type /Page, or an object stream that
//     cannot be inflated is ReasonDamaged.
//
// Pages is the number of distinct object numbers whose last definition is a
// /Type /Page dictionary; objects no page tree reaches are counted too.
//
// # Time
//
// Check stops at the stages between steps when its context ends, and
// returns ReasonBudgetExceeded at once even while a decoder is still
// running: that work finishes in the background, bounded by MaxSize,
// MaxPixels and MaxDecodeBytes, keeping its place at Policy.Gate until it
// does, and its result is dropped. Time spent waiting at the gate counts
// against the budget. CheckAll gives one letter Policy.Budget in all; the
// files it has not reached in time are ReasonBudgetExceeded. A verdict of
// that reason is also what a cancelled parent context gives, so a caller
// that is shutting down must not explain it to the citizen.
package attachments
