package applications

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Status is where an application stands in the register.
type Status string

// Statuses of an application, as the register writes them.
const (
	StatusInProgress Status = "in_progress" // «В обработке»
	StatusApproved   Status = "approved"    // «Одобрено»
	StatusRejected   Status = "rejected"    // «Отклонено»
)

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	switch s {
	case StatusInProgress, StatusApproved, StatusRejected:
		return true
	}
	return false
}

// Application is what the register holds about one application.
type Application struct {
	Number string // as it was asked for
	Status Status
	Email  string // the address registered for the application
}

// RegisteredTo reports whether addr is the address registered for the
// application. Addresses are compared whole and without regard to case,
// the local part included: an address differing only in case is the
// same person's in practice, and nothing else is (no dots or +tags are
// dropped). An address in the register written with a display name
// ("Name <a@example.org>") counts by its address.
func (a Application) RegisteredTo(addr string) bool {
	reg, got := bareAddress(a.Email), bareAddress(addr)
	return reg != "" && got != "" && strings.EqualFold(reg, got)
}

// bareAddress is s without white space around it and without a display
// name or angle brackets.
func bareAddress(s string) string {
	s = strings.TrimSpace(s)
	if p, err := mail.ParseAddress(s); err == nil {
		return p.Address
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
}

// ErrUnknown is Lookup's error for a number the register does not hold.
var ErrUnknown = errors.New("applications: unknown application number")

// ErrBadNumber is Lookup's error for a number that cannot be asked for:
// empty, longer than MaxNumberLen, "." or "..", or holding control
// characters or white space.
var ErrBadNumber = errors.New("applications: not an application number")

// MaxNumberLen is the longest application number Lookup asks for, in
// bytes.
const MaxNumberLen = 64

// Register is the agency's register of applications. Lookup returns the
// application numbered number, ErrUnknown when there is none, or another
// error when the register could not be asked; it is safe for concurrent
// use. *HTTP and *File are Registers.
type Register interface {
	Lookup(ctx context.Context, number string) (Application, error)
}

// checkNumber returns ErrBadNumber for a number that cannot be asked for.
func checkNumber(number string) error {
	if number == "" || len(number) > MaxNumberLen || number == "." || number == ".." {
		return ErrBadNumber
	}
	for _, r := range number {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return ErrBadNumber
		}
	}
	return nil
}
