package attachments

// Reason says why a file was not accepted. The zero value, ReasonNone,
// means nothing is wrong with it.
type Reason string

// Reasons of a Verdict.
const (
	ReasonNone             Reason = ""                    // accepted, or skipped as a signature logo
	ReasonTooLarge         Reason = "too_large"           // more than Policy.MaxSize bytes
	ReasonWrongType        Reason = "wrong_type"          // the content is not of an allowed type
	ReasonDamaged          Reason = "damaged"             // truncated or does not decode
	ReasonTooManyPixels    Reason = "too_many_pixels"     // more than Policy.MaxPixels pixels
	ReasonTooLargeToDecode Reason = "too_large_to_decode" // would take more than Policy.MaxDecodeBytes to decode
	ReasonPDFJavaScript    Reason = "pdf_javascript"      // a PDF with JavaScript, /Launch or XFA
	ReasonPDFEmbeddedFiles Reason = "pdf_embedded_files"  // a PDF with files inside
	ReasonPDFEncrypted     Reason = "pdf_encrypted"       // an encrypted or password-protected PDF
	ReasonPolyglot         Reason = "polyglot"            // valid as a second format too
	ReasonEmpty            Reason = "empty"               // no bytes
	ReasonBudgetExceeded   Reason = "budget_exceeded"     // not checked in time
)
