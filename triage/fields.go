package triage

// Priority says how soon a letter must be answered.
type Priority string

// Priorities. High-priority letters are answered within 12 hours, others
// within 24.
const (
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
)

// Reason says why a letter has PriorityHigh.
type Reason string

// Reasons for PriorityHigh. ReasonNone goes with PriorityNormal.
const (
	ReasonNone       Reason = ""
	ReasonAccessLoss Reason = "access_loss" // cannot log in, blocked, hacked, someone else logged in
	ReasonDataLeak   Reason = "data_leak"   // personal data reached someone it should not have
)

// Category is what kind of letter it is, for routing.
type Category string

// Categories.
const (
	CategoryTechnicalError  Category = "technical_error"  // something on the portal does not work
	CategoryServiceQuestion Category = "service_question" // how do I get, where do I find
	CategoryRecommendation  Category = "recommendation"   // a suggestion to improve the service
	CategoryStatusRequest   Category = "status_request"   // where is my application
	CategoryComplaint       Category = "complaint"        // dissatisfaction with the service or its staff
	CategoryOther           Category = "other"            // none of the above: thanks, closing a ticket, a warning
)

// PersonalData is a kind of personal data (152-FZ) found in a letter.
type PersonalData string

// Kinds of personal data.
const (
	PersonalSNILS    PersonalData = "snils"
	PersonalINN      PersonalData = "inn"
	PersonalPassport PersonalData = "passport"
	PersonalPhone    PersonalData = "phone"
	PersonalEmail    PersonalData = "email"
)

// Fields is what Extract found in a letter. String fields are "" when
// nothing was found.
type Fields struct {
	FullName          string         `json:"full_name"`          // as written; words in capitals or lower case are title-cased
	AccountNumber     string         `json:"account_number"`     // digits and dashes as written, spaces removed
	ApplicationNumber string         `json:"application_number"` // digits and dashes as written, spaces removed
	Phone             string         `json:"phone"`              // the first Russian phone number, as +7XXXXXXXXXX
	Category          Category       `json:"category"`
	Priority          Priority       `json:"priority"`
	PriorityReason    Reason         `json:"priority_reason"`
	PersonalData      []PersonalData `json:"personal_data"` // kinds found, sorted, no duplicates; empty, never nil
	Language          string         `json:"language"`      // "ru" or "en"
}
