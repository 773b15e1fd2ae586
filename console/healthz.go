package console

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
)

// MailboxReads says when each mailbox, by its key, was last read
// successfully, by whichever process read it.
type MailboxReads interface {
	MailboxesRead(ctx context.Context) (map[string]time.Time, error)
}

// health is what /healthz checks besides the store: the mailboxes read
// lately.
type health struct {
	reads      MailboxReads // nil: not checked
	watched    []string
	staleAfter time.Duration // 0: not checked
	started    time.Time     // a mailbox never read counts from here

	oauth         OAuthTokens // nil: not checked (healthz_oauth.go)
	oauthAccounts []string
}

// staleMailbox is a mailbox /healthz reports unread for too long.
type staleMailbox struct {
	Mailbox    string `json:"mailbox"`
	UnreadFor  string `json:"unread_for"`
	LastReadAt string `json:"last_read_at,omitempty"` // RFC 3339; absent when never read
}

// healthz says whether ticketd is well: GET /healthz, {"status": "ok"},
// or 503 with {"status": "unavailable"} when the console cannot read the
// store, or {"status": "stale", "mailboxes": [...]} naming, by their
// configured names, the mailboxes not read for [daemon] stale_after (a
// mailbox never read counts from the console's start), or {"status":
// "oauth", "accounts": [...]} naming the OAuth2 accounts whose refresh
// failed or that never logged in (healthz_oauth.go). It needs no
// sign-in and tells nothing else: no letter, no address.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.FindTickets(ctx, store.TicketFilter{Limit: 1, NoTotal: true}); err != nil {
		s.log.Error("console healthz", redact.Err(err))
		s.writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	stale, err := s.health.stale(ctx, s.now())
	if err != nil {
		s.log.Error("console healthz: mailbox reads", redact.Err(err))
		s.writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	oauth, err := s.health.oauthProblems(ctx)
	if err != nil {
		s.log.Error("console healthz: oauth tokens", redact.Err(err))
		s.writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	if len(oauth) > 0 {
		body := map[string]any{"status": "oauth", "accounts": oauth}
		if len(stale) > 0 {
			body["mailboxes"] = stale
		}
		s.writeJSON(w, http.StatusServiceUnavailable, body)
		return
	}
	if len(stale) > 0 {
		s.writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "stale", "mailboxes": stale})
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// stale returns the watched mailboxes not read for staleAfter at now, in
// the order of their names.
func (h health) stale(ctx context.Context, now time.Time) ([]staleMailbox, error) {
	if h.reads == nil || h.staleAfter <= 0 || len(h.watched) == 0 {
		return nil, nil
	}
	reads, err := h.reads.MailboxesRead(ctx)
	if err != nil {
		return nil, err
	}
	var out []staleMailbox
	for _, name := range slices.Sorted(slices.Values(h.watched)) {
		at, ok := reads[name]
		since := at
		if !ok {
			since = h.started
		}
		if age := now.Sub(since); age >= h.staleAfter {
			m := staleMailbox{Mailbox: name, UnreadFor: age.Round(time.Second).String()}
			if ok {
				m.LastReadAt = at.UTC().Format(time.RFC3339)
			}
			out = append(out, m)
		}
	}
	return out, nil
}
