// Package redact masks personal data in text that leaves the store for
// somewhere it does not belong in full: the log, and the lists of tickets
// (ticketd tickets, the console's queue, the API's list). The ticket page,
// "ticketd show" and exports show letters as they are, to the operators
// and auditors allowed to read them.
//
// Text masks what package triage finds and checks in letters (see
// triage.FindPersonalData): SNILS, INN, passport numbers, Russian phones and
// e-mail addresses. The digits of a number become •, so the text keeps its
// shape ("СНИЛС •••-•••-••• ••"); an address is masked as Address masks it.
// What triage does not recognise is not masked: an INN or a bare run of
// eleven digits without its label, a foreign phone. So the log is kept
// clean first by not writing what came from a letter; Text is for the error
// texts and values that must be written all the same.
//
// The package is pure: strings in, strings out.
package redact
