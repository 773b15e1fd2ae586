// Package console is ticketd's web console: the operators' queue and
// ticket pages, server-sent live updates, and a JSON API for scripts,
// served over the store and the operator actions the command line uses
// (replies.Operator, accounts.Service). It holds no SQL: what it needs of
// the store is the Store interface.
//
// # Security
//
// Every response carries a strict Content-Security-Policy (no inline
// script or style, frame-ancestors 'none'), X-Content-Type-Options
// nosniff, Referrer-Policy no-referrer and X-Frame-Options DENY. Pages are
// rendered with html/template only; the one script is embedded and served
// from /static/. Requests that change state (POST and the like) from
// another origin are refused by http.CrossOriginProtection before any
// handler runs, the sign-in form included.
//
// Pages are reached with a session: a cookie holding 32 random bytes, of
// which the store keeps only the SHA-256 (HttpOnly, SameSite=Strict,
// Path=/, Secure and named with the __Host- prefix under TLS). A session
// ends on sign-out, when its user is disabled, or after Options.IdleTimeout
// without a request; a page open on live updates checks its session every
// minute, which counts as a request, and its stream ends when the session
// does. Failed sign-ins are throttled per user name and per
// client address with an exponential lockout, and answered with one
// message whatever failed, so the form tells no one which names exist.
//
// The JSON API under /api/v1/ takes only bearer tokens (ticketd users
// token NAME) and ignores cookies, so a browser cannot be made to call it
// with its user's rights: cross-site request forgery does not apply to it.
// A missing or unknown token is 401 with WWW-Authenticate: Bearer.
//
// Roles are checked on the server for every route (requireRole): auditors
// read everything and are refused with 403 on any request that would
// change something, whatever a page shows them.
//
// # Live updates
//
// One poller per Server reads the store's change feed (ChangedTickets)
// about every second while any page listens, and fans each change out to
// the pages' event streams (/events): the cost of live updates does not
// grow with the number of open pages. A page names the version it was read
// at (after=), so a change made while it loaded is not lost; a stream too
// slow to keep up is told to resync.
//
// # Who read what
//
// Every read of personal data is recorded in the event log with the
// account that read it before it is served, and a read that cannot be
// recorded is answered 500 instead: a ticket's page (read.ticket, once
// per page shown) and GET /api/v1/tickets/{number}, a letter's bytes
// (read.letter), a file, its thumbnail or its display copy (read.file,
// naming the file by the start of its SHA-256 and its letter, not by its
// name), and a search of the queue, of the rows the queue reloads on live
// updates, or of the API (read.search, its terms with e-mail addresses and
// long numbers masked). The queue without a search and the live updates
// are not reads. Auditors and admins see the reads of a ticket on its
// page, newest first, and every read, by user or ticket, on /audit/reads
// and GET /api/v1/reads?user=&ticket=&before=&limit=; other roles get 403.
//
// The request log has the method, the route pattern, the status, the
// duration and the user name: never a query string (search words are
// typed there), a form value, a cookie or a token.
//
// # The ticket page
//
// A letter's HTML is shown behind three walls (package
// console/internal/mailview): a bluemonday allowlist that keeps text,
// tables, links and images and rewrites them (links open a new browsing
// context without opener or referrer; remote images are placeholders
// until the operator asks for them with ?images=1; cid: images become
// data: URIs of their checked display copies), a document of its own with
// a Content-Security-Policy that allows no script and no fetch but
// images, and an iframe from srcdoc whose sandbox allows neither scripts
// nor the console's origin. The page's own policy adds only the hash of
// that document's style sheet and, with ?images=1, remote images.
// Everything else a letter brought (subject, names, addresses, file
// names) is data for html/template.
//
// ticketd's own automatic letters (acknowledgements: the letter is marked
// automatic, or its template is) are folded to a line naming the
// direction, the template's title and the time, so that the conversation
// and the reply form stay on the first screen; templates are named by
// their titles in the page's language (templates.Template.TitleIn).
//
// Files are served from /tickets/{number}/files/{sha256} as attachments
// (Content-Disposition with an RFC 8187 filename*), never sniffed, with
// application/octet-stream for anything but an accepted image or PDF;
// only an accepted image's thumbnail and display copy are shown inline.
// A file is served only on the page of a ticket one of whose letters
// carried it. Ticket numbers are the only data in the pages' URLs.
//
// Every form that changes a ticket carries the version of the ticket it
// was filled in on; when the ticket has changed since, nothing is done
// and the page comes back with what changed (#conflict) and what was
// typed. A success redirects to the page (Post/Redirect/Get).
//
// The ticket API: GET /api/v1/tickets/{number} answers what "ticketd show
// -json" prints, each letter with its "id", and the "notes"; POST
// /api/v1/tickets/{number}/replies takes {"template", "vars", "preview",
// "version"} (version 0 or none acts whatever changed) and answers the
// letter composed, 201 once queued, 422 naming a missing or unknown
// variable, 409 with the changes; POST /api/v1/tickets/{number}/status
// takes {"status", "version"}; GET
// /api/v1/tickets/{number}/messages/{id}/raw answers the letter's bytes as
// message/rfc822.
package console
