package main

import "github.com/ticketd/ticketd/store"

// replyNotes say, after a letter's sender in "ticketd show", where the
// address it is answered at was found (store.Message.ReplyHeader). A
// letter whose address stood in From, as usual, says nothing.
var replyNotes = map[string]string{
	"reply-to":              "answered at the address in Reply-To",
	"reply-to-encoded-word": "answered at the address in Reply-To, which was encoded whole",
	"reply-to-display-name": "answered at the address written as Reply-To's display name",
	"from-encoded-word":     "answered at the address in From, which was encoded whole",
	"from-display-name":     "answered at the address written as the sender's display name",
	"sender":                "answered at the address in Sender: From has none",
	"sender-encoded-word":   "answered at the address in Sender, which was encoded whole: From has none",
	store.ReplyHeaderNone:   "no address to answer",
}

// replyNote is the note for header, "" for none or "from"; a header it
// does not know is named as it is.
func replyNote(header string) string {
	if header == "" || header == "from" {
		return ""
	}
	if n, ok := replyNotes[header]; ok {
		return n
	}
	return "answered at the address in " + header
}
