// Package applications is the agency's register of applications, asked for
// an application's status: whether it is in progress, approved or
// rejected, and which e-mail address is registered for it. The daemon asks
// it when a citizen writes to ask the status of an application, and
// answers by itself only when the letter's answer goes to the address the
// register holds (see package daemon).
//
// Two sources implement Register:
//
//   - HTTP asks the agency's system over HTTP: a GET of a URL with
//     {number} in it, answered with {"status": "...", "email": "..."}, or
//     404 for an unknown number. Each attempt has a timeout; network
//     errors, timeouts, 429 and 5xx are tried again a few times with
//     backoff; the answer's size is bounded.
//   - File reads a CSV file of number,status,email, for the demo and for
//     tests. It reads the file when opened and again when it changes.
//
// An application's status and address are personal data: the errors of
// this package name the source and what went wrong, never an application's
// number, address or anything the source answered beyond its HTTP status.
package applications
