package mailparse

import (
	"strings"
	"testing"
)

// TestReply reads the header fields of letters from people and checks the
// address an answer goes to, and where it was found: what a mail client's
// Reply would use, or nothing when no address can answer.
func TestReply(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   Address
		from   ReplyHeader
	}{
		// By the book.
		{"plain From", "From: Иван Петров <ivan@example.ru>", Address{"Иван Петров", "ivan@example.ru"}, FromHeader},
		{"encoded name, address outside", "From: =?utf-8?b?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <ivan@example.ru>",
			Address{"Иван Петров", "ivan@example.ru"}, FromHeader},
		{"Reply-To over From", "From: Ivan <ivan@work.example>\nReply-To: Ivan <ivan@home.example>",
			Address{"Ivan", "ivan@home.example"}, ReplyToHeader},
		{"Sender when From has nothing", "From: Ivan\nSender: ivan@example.ru", Address{"", "ivan@example.ru"}, SenderHeader},

		// Python's email package, compat32 policy: msg["From"] = "Иван Петров <ivan@example.ru>".
		{"compat32: one B word with name and address", "From: =?utf-8?b?0JjQstCw0L0g0J/QtdGC0YDQvtCyIDxpdmFuQGV4YW1wbGUucnU+?=",
			Address{"Иван Петров", "ivan@example.ru"}, FromEncodedWord},
		{"compat32: Q word with name and address", "From: =?utf-8?q?=D0=98=D0=B2=D0=B0=D0=BD_=3Civan=40example=2Eru=3E?=",
			Address{"Иван", "ivan@example.ru"}, FromEncodedWord},
		{"compat32: folded over two words", "From: =?utf-8?b?0JjQstCw0L0g0J/QtdGC0YDQvtCy?=\n =?utf-8?b?IDxpdmFuQGV4YW1wbGUucnU+?=",
			Address{"Иван Петров", "ivan@example.ru"}, FromEncodedWord},
		{"compat32: split inside a character", "From: =?utf-8?b?0JjQstCw0L0g0J/Q?= =?utf-8?b?tdGC0YDQvtCyIDxpdmFuQGV4YW1wbGUucnU+?=",
			Address{"Иван Петров", "ivan@example.ru"}, FromEncodedWord},
		{"compat32: the address alone", "From: =?utf-8?q?ivan=40example=2Eru?=", Address{"", "ivan@example.ru"}, FromEncodedWord},
		{"Q word with a raw @", "From: =?utf-8?q?ivan@example.ru?=", Address{"", "ivan@example.ru"}, FromEncodedWord},
		{"Q word with a raw <…>", "From: =?utf-8?q?Ivan_<ivan@example.ru>?=", Address{"Ivan", "ivan@example.ru"}, FromEncodedWord},
		{"compat32 Reply-To of a web form", "From: Portal <noreply@portal.example>\nReply-To: =?utf-8?b?0JjQstCw0L0g0J/QtdGC0YDQvtCyIDxpdmFuQGV4YW1wbGUucnU+?=",
			Address{"Иван Петров", "ivan@example.ru"}, ReplyToEncodedWord},
		{"cp1251 charset", "From: =?windows-1251?b?yOLg7SA8aXZhbkBleGFtcGxlLnJ1Pg==?=", Address{"Иван", "ivan@example.ru"}, FromEncodedWord},

		// The address only in the display name.
		{"address as the name, empty brackets", `From: "ivan@example.ru" <>`, Address{"", "ivan@example.ru"}, FromDisplayName},
		{"address as the name, junk in brackets", "From: ivan@example.ru <invalid>", Address{"", "ivan@example.ru"}, FromDisplayName},
		{"address in a comment", "From: Иван (ivan@example.ru)", Address{"Иван", "ivan@example.ru"}, FromHeader},
		{"name and address in one quoted string", `From: "Иван Петров ivan@example.ru"`, Address{"Иван Петров", "ivan@example.ru"}, FromHeader},
		{"name and address quoted, empty brackets", `From: "Иван Петров ivan@example.ru" <>`, Address{"Иван Петров", "ivan@example.ru"}, FromDisplayName},
		{"bare address with a trailing dot", "From: ivan@example.ru.", Address{"", "ivan@example.ru"}, FromDisplayName},
		{"bare address in square brackets", "From: [ivan@example.ru]", Address{"", "ivan@example.ru"}, FromDisplayName},
		{"bare address in stars", "From: ***ivan@example.ru***", Address{"", "ivan@example.ru"}, FromDisplayName},
		{"mailto in brackets", `From: "Ivan" <mailto:ivan@example.ru>`, Address{"Ivan", "ivan@example.ru"}, FromDisplayName},
		{"address in the name, no-reply in brackets", `From: "ivan@example.ru" <noreply@form.example>`, Address{"", "ivan@example.ru"}, FromDisplayName},
		{"encoded name holding the address, empty brackets", "From: =?utf-8?b?aXZhbkBleGFtcGxlLnJ1?= <>", Address{"", "ivan@example.ru"}, FromDisplayName},
		{"Reply-To's name when nothing else", "From: Form <noreply@form.example>\nReply-To: \"ivan@example.ru\" <>",
			Address{"", "ivan@example.ru"}, ReplyToDisplayName},

		// Web forms: no-reply From, the citizen in Reply-To.
		{"noreply From, Reply-To", "From: Портал <noreply@portal.example>\nReply-To: Иван <ivan@example.ru>", Address{"Иван", "ivan@example.ru"}, ReplyToHeader},
		{"no-reply From, Reply-To", "From: no-reply@portal.example\nReply-To: ivan@example.ru", Address{"", "ivan@example.ru"}, ReplyToHeader},
		{"DoNotReply From, Reply-To", "From: DoNotReply@portal.example\nReply-To: ivan@example.ru", Address{"", "ivan@example.ru"}, ReplyToHeader},
		{"no-reply Reply-To is passed over", "From: ivan@example.ru\nReply-To: noreply@portal.example", Address{"", "ivan@example.ru"}, FromHeader},
		{"Reply-To of a mail system is passed over", "From: ivan@example.ru\nReply-To: postmaster@example.ru", Address{"", "ivan@example.ru"}, FromHeader},
		{"second Reply-To when the first is no-reply", "From: noreply@portal.example\nReply-To: noreply@portal.example, ivan@example.ru",
			Address{"", "ivan@example.ru"}, ReplyToHeader},

		// Nothing to answer: never a guess.
		{"noreply From alone", "From: Портал <noreply@portal.example>", Address{}, ReplyNone},
		{"no-reply+tag From, empty Reply-To", "From: no-reply+forms@portal.example\nReply-To: ", Address{}, ReplyNone},
		{"two addresses in the name", `From: "a@example.ru, b@example.ru" <>`, Address{}, ReplyNone},
		{"doubled @", "From: Ivan <ivan@@example.ru>", Address{}, ReplyNone},
		{"no @ at all", "From: Ivan Petrov", Address{}, ReplyNone},
		{"address at a bare host", `From: "ivan@localhost" <>`, Address{}, ReplyNone},
		{"spelled-out at", "From: Ivan <ivan at example.ru>", Address{}, ReplyNone},
		{"encoded words without an address", "From: =?utf-8?b?0JjQstCw0L0=?=", Address{}, ReplyNone},

		// A forger's name never beats an address that can answer.
		{"address in the name, another in brackets", `From: "boss@bank.example" <victim@example.ru>`, Address{"", "victim@example.ru"}, FromHeader},
		{"encoded address in the name, another in brackets", "From: =?utf-8?b?Ym9zc0BiYW5rLmV4YW1wbGU=?= <victim@example.ru>",
			Address{"", "victim@example.ru"}, FromHeader},
		{"encoded CR LF Bcc", "From: =?utf-8?q?Ivan=0D=0ABcc:_x@y.example?= <v@example.ru>", Address{"", "v@example.ru"}, FromHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := strings.ReplaceAll(tt.header, "\n", "\r\n") + "\r\nTo: support@ticketd.example\r\nSubject: s\r\n\r\nText.\r\n"
			l, _ := Parse([]byte(raw), nil)
			if l.Reply != tt.want || l.ReplyHeader != tt.from {
				t.Errorf("Parse(%q): Reply = %q from %q, want %q from %q", tt.header, l.Reply, l.ReplyHeader, tt.want, tt.from)
			}
		})
	}
}

// TestReplyFrom checks that From is read the same way: a letter whose From
// holds its address only in encoded words or its name has that address as
// its From, and a no-reply From stays the letter's From.
func TestReplyFrom(t *testing.T) {
	tests := []struct {
		header string
		want   Address
	}{
		{"From: =?utf-8?b?0JjQstCw0L0g0J/QtdGC0YDQvtCyIDxpdmFuQGV4YW1wbGUucnU+?=", Address{"Иван Петров", "ivan@example.ru"}},
		{`From: "ivan@example.ru" <>`, Address{"", "ivan@example.ru"}},
		{`From: "ivan@example.ru" <noreply@form.example>`, Address{"", "noreply@form.example"}},
		{"From: Портал <noreply@portal.example>\nReply-To: ivan@example.ru", Address{"Портал", "noreply@portal.example"}},
		{"From: =?utf-8?q?MAILER-DAEMON_<mailer-daemon=40example.ru>?=", Address{"MAILER-DAEMON", "mailer-daemon@example.ru"}},
	}
	for _, tt := range tests {
		raw := strings.ReplaceAll(tt.header, "\n", "\r\n") + "\r\nSubject: s\r\n\r\nText.\r\n"
		if l, _ := Parse([]byte(raw), nil); l.From != tt.want {
			t.Errorf("Parse(%q).From = %q, want %q", tt.header, l.From, tt.want)
		}
	}
}

// TestReplyOfMailSystem: a bounce whose From is encoded whole is still
// recognised as one, and answered by nobody.
func TestReplyOfMailSystem(t *testing.T) {
	raw := "From: =?utf-8?q?Mail_Delivery_System_<mailer-daemon=40example.ru>?=\r\nSubject: Undelivered Mail\r\n\r\nSorry.\r\n"
	l, _ := Parse([]byte(raw), nil)
	if l.Auto != AutoBounce || l.Reply != (Address{}) {
		t.Errorf("Parse(bounce with an encoded From): Auto = %q, Reply = %q; want bounce, none", l.Auto, l.Reply)
	}
}

func TestNoReply(t *testing.T) {
	for addr, want := range map[string]bool{
		"noreply@x.ru": true, "no-reply@x.ru": true, "No_Reply@x.ru": true, "no.reply@x.ru": true,
		"DoNotReply@x.ru": true, "do-not-reply@x.ru": true, "dont-reply@x.ru": true, "donotrespond@x.ru": true,
		"noreply+forms@x.ru": true, "forms-noreply@x.ru": true, "NOREPLY": true,
		"ivan@x.ru": false, "reply@x.ru": false, "ivan+noreply@x.ru": false, "info@noreply.example": false, "": false,
	} {
		if got := NoReply(addr); got != want {
			t.Errorf("NoReply(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestReplyHeaderRecovered(t *testing.T) {
	for h, want := range map[ReplyHeader]bool{
		ReplyNone: false, ReplyToHeader: false, FromHeader: false, SenderHeader: false,
		FromEncodedWord: true, FromDisplayName: true, ReplyToEncodedWord: true, ReplyToDisplayName: true, SenderEncodedWord: true,
	} {
		if got := h.Recovered(); got != want {
			t.Errorf("ReplyHeader(%q).Recovered() = %v, want %v", h, got, want)
		}
	}
}
