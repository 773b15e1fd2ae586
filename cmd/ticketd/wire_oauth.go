package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/ticketd/ticketd/daemon"
	"github.com/ticketd/ticketd/metrics"
	"github.com/ticketd/ticketd/oauth"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

// oauthSources are the token Sources of the accounts that log in with
// OAuth2, by their names in the store ("imap:<mailbox>", "smtp").
type oauthSources map[string]*oauth.Source

// newOAuthSources wires a Source for each OAuth2 account of cfg over db.
// A failed refresh is loud: the Source logs it and records the event;
// m counts it (ticketd_oauth_*), and the staff of [sla] notify get a
// letter through the notices' outbox, which notices wakes. None without
// OAuth2 accounts. With a key, it first seals any refresh token stored
// before the key was set.
func newOAuthSources(ctx context.Context, cfg Config, db *store.DB, m *metrics.Metrics, notices daemon.Waker, log *slog.Logger) (oauthSources, error) {
	accts := cfg.oauthAccounts(PartAll)
	if len(accts) == 0 {
		return nil, nil
	}
	if cfg.Store.KeyFile != "" {
		n, err := db.SealOAuthTokens(ctx)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			log.Info("sealed refresh tokens stored before store.key_file was set", "tokens", n)
		}
	}
	names := make([]string, len(accts))
	for i, a := range accts {
		names[i] = a.Name
	}
	obs := oauthObservers{}
	if m != nil {
		obs = append(obs, m.OAuth(names))
	}
	if len(cfg.SLA.NotifyAddresses) > 0 {
		obs = append(obs, &oauthNotifier{Store: db, From: cfg.SMTP.FromAddress, To: cfg.SLA.NotifyAddresses,
			Location: cfg.Templates.Location, Wake: notices, Log: log.With("component", "oauth")})
	}
	srcs := make(oauthSources, len(accts))
	for _, a := range accts {
		srcs[a.Name] = oauth.NewSource(a.Name, a.Client, db, &oauth.Options{Log: log.With("component", "oauth"), Observer: obs})
	}
	return srcs, nil
}

// oauthNames are the names of the OAuth2 accounts of cfg, for /healthz.
func oauthNames(cfg Config) []string {
	var names []string
	for _, a := range cfg.oauthAccounts(PartAll) {
		names = append(names, a.Name)
	}
	return names
}

// oauthObservers tells each of its Observers.
type oauthObservers []oauth.Observer

func (os oauthObservers) Refreshed(account string) {
	for _, o := range os {
		o.Refreshed(account)
	}
}

func (os oauthObservers) Failed(ctx context.Context, account, reason string, first bool) {
	for _, o := range os {
		o.Failed(ctx, account, reason, first)
	}
}

// noticeQueue is where oauthNotifier queues its letters: *store.DB.
type noticeQueue interface {
	QueueNotices(ctx context.Context, key string, letters []store.Outgoing) (bool, error)
}

// TemplateOAuthFailed names the letter telling the staff that an OAuth2
// refresh failed, in its X-Ticketd-Template field.
const TemplateOAuthFailed = "oauth_failed"

// oauthNotifier writes to the staff ([sla] notify) when an account's
// refresh starts failing: once per failure, whichever process saw it
// first (oauth.Observer's first), as a notice of the store's queue.
type oauthNotifier struct {
	Store    noticeQueue
	From     mail.Address
	To       []mail.Address
	Location *time.Location // nil: UTC
	Wake     daemon.Waker   // the notices' outbox; nil: sent at its next look
	Log      *slog.Logger
	Now      func() time.Time // nil: time.Now
}

// Refreshed does nothing: the recovery is logged and recorded as an event.
func (n *oauthNotifier) Refreshed(string) {}

// Failed queues the letter when the failure is new.
func (n *oauthNotifier) Failed(ctx context.Context, account, reason string, first bool) {
	if !first || len(n.To) == 0 {
		return
	}
	now := time.Now()
	if n.Now != nil {
		now = n.Now()
	}
	letters, err := n.letters(account, reason, now)
	if err == nil {
		var queued bool
		queued, err = n.Store.QueueNotices(ctx, fmt.Sprintf("oauth:%s:%d", account, now.UnixMilli()), letters)
		if queued && n.Wake != nil {
			n.Wake.Wake()
		}
	}
	if err != nil {
		n.Log.Error("oauth: queue the letter to [sla] notify", "account", account, "error", err)
	}
}

// letters composes the letter to each address, in the agency's language
// as the deadline notices are.
func (n *oauthNotifier) letters(account, reason string, now time.Time) ([]store.Outgoing, error) {
	loc := n.Location
	if loc == nil {
		loc = time.UTC
	}
	what, login := "почтовый ящик не читается", "ticketd oauth login -mailbox "+account[len("imap:"):]
	if account == smtpAccount {
		what, login = "ответы не отправляются (и это письмо уйдёт, только когда вход снова заработает)", "ticketd oauth login -smtp"
	}
	subject := "ticketd: не удаётся войти по OAuth2 (" + account + ")"
	text := fmt.Sprintf("ticketd не смог обновить токен доступа OAuth2 учётной записи %s (%s):\n\n    %s\n\n"+
		"Пока это так, %s. Если сервер отказал в токене обновления (invalid_grant), войдите заново:\n\n    %s\n\n"+
		"Состояние учётных записей: ticketd oauth status.\n"+
		"\nПисьмо отправлено ticketd автоматически; отвечать на него не нужно.\n",
		account, now.In(loc).Format("02.01.2006 15:04 MST"), reason, what, login)
	var out []store.Outgoing
	for _, to := range n.To {
		l, err := replies.Compose(replies.Draft{From: n.From, To: to, Subject: subject, Text: text, Template: TemplateOAuthFailed, Generated: true}, now)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// wire hands each daemon whose mailbox logs in with OAuth2 its Source,
// and the SMTP server's to the outboxes.
func (o oauthSources) wire(ds []*daemon.Daemon, outboxes ...*replies.Outbox) {
	for _, d := range ds {
		if src := o[imapAccount(d.Mailbox.Key)]; src != nil {
			d.Mailbox.Tokens = src
		}
	}
	src := o[smtpAccount]
	if src == nil {
		return
	}
	for _, ob := range outboxes {
		if s, ok := ob.SMTP.(replies.SMTP); ok {
			s.Tokens = src
			ob.SMTP = s
		}
	}
}
