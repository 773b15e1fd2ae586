// Package audit holds the auditors' tools that need no database: writing
// an export of tickets (Write) and checking one offline (VerifyExport).
//
// # An export
//
// An export is a zip archive of one ticket, or of every ticket of a sender
// (a citizen's request for their data, 152-FZ art. 14):
//
//	letters/TKT-000123/0001-in.eml      each letter as received, byte for byte
//	letters/TKT-000123/0002-out.eml     each of our answers as sent
//	files/TKT-000123/0001-1-scan.pdf    each file a letter carried, as it came
//	                                    (letter, file, the name made safe)
//	chain.jsonl                         the segment of the event chain
//	manifest.json                       what is in the archive (written last)
//
// manifest.json says who exported what and when, and the head of the chain
// when the export was read ("COUNT:HASH", as "ticketd audit head" prints
// it); for each ticket its fields, every event of it (changes, reads and
// the letter.stored event of each letter, with their hashes), its internal
// notes (the operators' notes are the service's records about the citizen,
// so they belong in what is given to the citizen and the auditor), and its
// letters, each with its direction, path, size, SHA-256, Message-ID and
// files (path, SHA-256, verdict). Paths, sizes and SHA-256s of every entry
// but the manifest are listed in it.
//
// chain.jsonl holds, one JSON object a line, every event of the chain from
// the first event of the exported tickets to the head: the events of the
// exported tickets in full, every other event (another citizen's ticket,
// or no ticket) veiled: its detail, which may be other people's data,
// replaced by its SHA-256.
//
// # What VerifyExport checks, and what it cannot
//
// VerifyExport checks that every entry the manifest lists is in the
// archive with its size and SHA-256 and nothing else is; that each
// letter's bytes have the hash its letter.stored event recorded (raw=),
// and each of its files the hash at its place in the event's file= list;
// that each event of the exported tickets hashes to its hash
// (store.EventHash) and is in the segment; and that the segment links
// (store.CheckLinks) from its first event to its last, which is the head
// the manifest records.
//
// Another ticket's event is given veiled: its detail, which may name
// another citizen, replaced by the detail's SHA-256 (what the chain hashes
// of a detail, store.ChainEvent.Veiled), the rest as it is (times, actors,
// actions, ids, letters' hashes). So every hash of the segment is
// recomputed, and the segment proves that the exported events are in a
// chain that ends at its last hash. What proves that the chain was not
// rewritten before the export is a head kept elsewhere: every event up to
// it is bound by it, so "ticketd audit verify-export -head COUNT:HASH"
// with a head an auditor wrote down earlier ("ticketd audit head") proves
// the exported events before that head unchanged; "ticketd audit verify
// -head" checks the store itself.
//
// The ticket's fields and notes, and the letters' descriptive fields
// (subject, addresses), are not covered by the chain: they are given as
// the store had them, unproven.
//
// # Sizes
//
// Write holds one letter or file at a time, a page of the segment and the
// manifest; VerifyExport streams every entry and holds the manifest (at
// most MaxManifestSize bytes: some five thousand tickets) and the
// ids and hashes of the exported events. A ticket of 16 letters and six
// 10 MB files behind 200,000 events of others exported in 2.8 s to 61 MB
// with a peak heap of 35 MiB, and verified in 1.3 s with 3 MiB.
//
// The segment is not bounded by the exported tickets: it runs from their
// first event to the head, so a citizen who first wrote long ago brings a
// line of about 166 bytes (some 45 compressed) for every event written
// since, reads included: 450 MB in the archive for ten million events.
// It is streamed both ways; only its size grows.
package audit
