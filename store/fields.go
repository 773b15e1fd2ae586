package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// Sealed fields. Besides the bytes of letters and files, some columns hold
// a citizen's own words: the name, subject and account and application
// numbers of a ticket, the sender's name and subject of a letter, the
// names of the files it carried. None of them is searched or sorted on in
// SQL (the search index holds keyed hashes of their words, blind.go), so
// with a key they are sealed, together, in one BLOB per row
// (tickets.sealed_fields, messages.sealed_fields, attachments.sealed_names,
// migration 0013), and the plain columns hold ''. Rows are opened as they
// are read: a page of the queue opens the page's tickets, one AES-GCM
// opening of about a hundred bytes each.
//
// What stays readable, because SQL looks at it, is listed in the README
// ("What is encrypted"): addresses (threading, and counting automatic
// answers per recipient), Message-IDs (threading), the ticket's number,
// dates, status, priority, category and assignee (the queue), and the
// event log.

// fieldsVersion is the first byte of encoded fields: how they are encoded.
const fieldsVersion = 1

// encodeFields joins fields as fieldsVersion, then each field's length
// (uvarint) and bytes.
func encodeFields(fields ...string) []byte {
	n := 1
	for _, f := range fields {
		n += binary.MaxVarintLen32 + len(f)
	}
	b := make([]byte, 1, n)
	b[0] = fieldsVersion
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// errBadFields: sealed fields opened, but do not decode; only a bug or a
// forged value with the key can make it.
var errBadFields = errors.New("store: sealed fields do not decode")

// decodeFields splits what encodeFields joined into exactly len(into)
// fields. The fields share one string: a page of the queue opens a few
// hundred.
func decodeFields(b []byte, into ...*string) error {
	if len(b) == 0 || b[0] != fieldsVersion {
		return errBadFields
	}
	all := string(b[1:])
	b = b[1:]
	at := 0
	for _, p := range into {
		n, k := binary.Uvarint(b[at:])
		if k <= 0 || n > uint64(len(b)-at-k) {
			return errBadFields
		}
		at += k
		*p = all[at : at+int(n)]
		at += int(n)
	}
	if at != len(b) {
		return errBadFields
	}
	return nil
}

// sealFields returns fields sealed with the store's data key and bound to
// ad, or nil when the store has no key: then they are kept in their
// columns.
func (db *DB) sealFields(ad string, fields ...string) []byte {
	if db.seal == nil {
		return nil
	}
	b, _ := db.seal.seal(encodeFields(fields...), ad)
	return b
}

// openFields opens sealed fields into the destinations, which hold the
// plain columns' values: when stored is nil the fields were not sealed,
// and they are left as they are. Without the key it is ErrNoKey.
func (db *DB) openFields(stored []byte, ad string, into ...*string) error {
	if stored == nil {
		return nil
	}
	plain, err := db.seal.open(stored, true, ad)
	if err != nil {
		return err
	}
	return decodeFields(plain, into...)
}

// ticketFieldsAD binds a ticket's sealed fields to its row.
func ticketFieldsAD(id int64) string { return "ticket fields " + strconv.FormatInt(id, 10) }

// letterFieldsAD binds a letter's sealed fields to its row, by its dedupe
// key (unique, and known before the row is written).
func letterFieldsAD(dedupeKey string) string { return "letter fields " + dedupeKey }

// fileNamesAD binds the sealed names of a file a letter carried to the
// letter and the file.
func fileNamesAD(messageID int64, sum string) string {
	return fmt.Sprintf("file names %s of letter %d", sum, messageID)
}

// ticketFields are the sealed fields of a ticket, in their order.
type ticketFields struct{ name, subject, account, application string }

// seal returns f sealed for ticket id, or nil without a key.
func (f ticketFields) seal(db *DB, id int64) []byte {
	return db.sealFields(ticketFieldsAD(id), f.name, f.subject, f.account, f.application)
}

// openTicketFields opens the sealed fields of t, read with stored.
func (db *DB) openTicketFields(t *Ticket, stored []byte) error {
	return db.openFields(stored, ticketFieldsAD(t.ID), &t.CitizenName, &t.Subject, &t.AccountNumber, &t.ApplicationNumber)
}

// letterFields are the sealed fields of a letter, in their order.
type letterFields struct{ fromName, subject string }

// letterFields returns what the columns of a letter with dedupe key key
// hold: its fields, or, with a key, "" and the fields sealed.
func (db *DB) letterFields(key, fromName, subject string) (letterFields, []byte) {
	if db.seal == nil {
		return letterFields{fromName, subject}, nil
	}
	return letterFields{}, db.sealFields(letterFieldsAD(key), fromName, subject)
}

// fileNameFields are the sealed names of a file, in their order.
type fileNameFields struct{ filename, original string }

// fileNames returns what the columns of a file carried by letter msg
// hold: its names, or, with a key, "" and the names sealed.
func (db *DB) fileNames(msg int64, sum, filename, original string) (fileNameFields, []byte) {
	if db.seal == nil {
		return fileNameFields{filename, original}, nil
	}
	return fileNameFields{}, db.sealFields(fileNamesAD(msg, sum), filename, original)
}
