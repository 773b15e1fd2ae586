package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"

	"github.com/ticketd/ticketd/accounts"
	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/console"
	"github.com/ticketd/ticketd/daemon"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/metrics"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
	"github.com/ticketd/ticketd/triage"
	"golang.org/x/sync/errgroup"
)

// newLogger builds the slog logger the configuration asks for.
func newLogger(w io.Writer, cfg LogConfig) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newIntake builds the letter reader from the configuration.
func newIntake(cfg Config) (*daemon.Intake, error) {
	rules, err := configuredRules(cfg.Rules)
	if err != nil {
		return nil, err
	}
	pol := attachments.DefaultPolicy()
	pol.MaxSize = int64(cfg.Attachments.MaxSizeMB * (1 << 20))
	pol.Allowed = cfg.Attachments.Allowed
	pol.MaxDecodeBytes = int64(cfg.Attachments.MaxDecodeMB) << 20
	pol.Gate = decodeGate(cfg.Daemon)
	return &daemon.Intake{Rules: rules, Policy: pol, Limits: mailparse.DefaultLimits()}, nil
}

// configuredRules returns the triage rules of [rules]: the built-in ones or
// file's, deciding with the built-in model or model's.
func configuredRules(c RulesConfig) (*triage.Rules, error) {
	rules := triage.DefaultRules()
	if c.File != "" {
		var err error
		if rules, err = triage.LoadRules(c.File); err != nil {
			return nil, &ConfigError{File: "", Key: "rules.file", Problem: err.Error()}
		}
	}
	if c.Model != "" {
		m, err := triage.LoadModel(c.Model)
		if err != nil {
			return nil, &ConfigError{File: "", Key: "rules.model", Problem: err.Error()}
		}
		rules = rules.WithModel(m)
	}
	return rules, nil
}

// newDaemon wires the daemon of one mailbox from the configuration over
// an open store; it wakes outbox when it queues acknowledgements. tmpl
// are the templates of its acknowledgements; holder is this process in
// the store's leases.
func newDaemon(cfg Config, mb mailboxSpec, db *store.DB, tmpl *templates.Set, outbox daemon.Waker, log *slog.Logger) (*daemon.Daemon, error) {
	intake, err := newIntake(cfg)
	if err != nil {
		return nil, err
	}
	tlsConf, err := tlsConfig(mb.caFile)
	if err != nil {
		return nil, &ConfigError{Key: mb.section + ".ca_file", Problem: err.Error()}
	}
	return &daemon.Daemon{
		Mailbox: daemon.Mailbox{
			Address: mb.Address, TLS: mb.TLS, Username: mb.Username, Password: mb.Password,
			Name: mb.Folder, Key: mb.Key, Processed: mb.ProcessedFolder, Timeout: cfg.IMAP.Timeout.Duration,
			TLSConfig: tlsConf,
		},
		DB:                 db,
		Intake:             intake,
		Ack:                &replies.Acknowledger{Templates: tmpl, From: mb.From},
		Outbox:             outbox,
		SLA:                daemon.SLA{Normal: mb.SLA.Normal.Duration, Priority: mb.SLA.Priority.Duration},
		Self:               selfAddresses(mb.From.Address, cfg.SMTP.FromAddress.Address, mb.Username),
		PollInterval:       cfg.IMAP.PollInterval.Duration,
		NoIdle:             !cfg.IMAP.Idle,
		IdleTimeout:        cfg.IMAP.IdleTimeout.Duration,
		BatchSize:          cfg.IMAP.BatchSize,
		MaxSize:            int64(cfg.IMAP.MaxMessageMB * (1 << 20)),
		AutoRepliesPerHour: cfg.Replies.AutoPerHour,
		Applications:       cfg.Status.Register,
		Log:                log,
		Queue:              mb.Queue,
		Leases:             db,
		Holder:             db.Holder(),
		LeaseTTL:           cfg.Daemon.TTL.Duration,
		LeaseRenew:         cfg.Daemon.Renew.Duration,
	}, nil
}

// newDaemons wires a daemon for each mailbox the configuration reads,
// each with the templates its section names (loaded once per directory).
func newDaemons(cfg Config, db *store.DB, tmpl *templates.Set, outbox daemon.Waker, log *slog.Logger) ([]*daemon.Daemon, error) {
	sets, err := mailboxTemplates(cfg, tmpl)
	if err != nil {
		return nil, err
	}
	var ds []*daemon.Daemon
	pacer := &daemon.Pacer{} // the collector's target is the process's: one for all
	for i, mb := range cfg.mailboxes() {
		d, err := newDaemon(cfg, mb, db, sets[i], outbox, log)
		if err != nil {
			return nil, err
		}
		d.Pacer = pacer
		ds = append(ds, d)
	}
	return ds, nil
}

// mailboxTemplates are the templates of each mailbox's acknowledgements,
// in the order of cfg.mailboxes(): tmpl ([templates] dir) or the
// directory its section names, each directory loaded once.
func mailboxTemplates(cfg Config, tmpl *templates.Set) ([]*templates.Set, error) {
	loaded := map[string]*templates.Set{cfg.Templates.Dir: tmpl}
	var sets []*templates.Set
	for _, mb := range cfg.mailboxes() {
		set, ok := loaded[mb.TemplatesDir]
		if !ok {
			var err error
			if set, err = templates.Load(mb.TemplatesDir, cfg.Templates.Location); err != nil {
				return nil, &ConfigError{Key: mb.section + ".templates", Problem: err.Error()}
			}
			loaded[mb.TemplatesDir] = set
		}
		sets = append(sets, set)
	}
	return sets, nil
}

// mailboxKeys are the keys of the mailboxes the configuration reads.
func mailboxKeys(cfg Config) []string {
	var keys []string
	for _, mb := range cfg.mailboxes() {
		keys = append(keys, mb.Key)
	}
	return keys
}

// fromByMailbox is the address answers go out from, by mailbox key, for
// replies.Operator.
func fromByMailbox(cfg Config) map[string]mail.Address {
	m := map[string]mail.Address{}
	for _, mb := range cfg.mailboxes() {
		m[mb.Key] = mb.From
	}
	return m
}

func selfAddresses(addrs ...string) []string {
	var out []string
	for _, a := range addrs {
		if _, err := mail.ParseAddress(a); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// openStore opens the configured database with its key. A store that
// has a data key, opened without store.key_file or with another key, is
// an error here, for every command: never a store that would fail on each
// sealed row, or write plain rows among sealed ones.
func openStore(ctx context.Context, cfg Config) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.Store.Location())
	if err != nil {
		return nil, fmt.Errorf("open store (%s): %w", cfg.Store.Key(), err) // store.Open names a URL without its password
	}
	db.Fingerprint = mailparse.Fingerprint
	db.LetterText = letterText
	if err := useStoreKey(ctx, db, cfg); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// useStoreKey gives db the key store.key_file names: without one, a store
// that is encrypted is refused.
func useStoreKey(ctx context.Context, db *store.DB, cfg Config) error {
	if err := db.UseKeyFile(ctx, cfg.Store.KeyFile); err != nil {
		if errors.Is(err, store.ErrEncrypted) || errors.Is(err, store.ErrWrongKey) {
			return fmt.Errorf("%s: %w", cfg.Store.Shown(), err) // they name store.key_file
		}
		return &ConfigError{Key: "store.key_file", Problem: err.Error()}
	}
	return nil
}

// letterText is the plain text of a stored letter, as the daemon gives it
// to the search index (store.Inbound.Text): Reindex reads it again so.
func letterText(raw []byte) string {
	l, _ := mailparse.Parse(raw, nil) // never nil; a damaged letter gives what could be read
	return l.Text
}

// newOutbox wires the outbox that sends what db has queued.
func newOutbox(cfg Config, db *store.DB, log *slog.Logger) *replies.Outbox {
	smtp := replies.SMTP{
		Address: cfg.SMTP.Address, TLS: cfg.SMTP.TLS, Username: cfg.SMTP.Username, Password: cfg.SMTP.Password,
		HELO: cfg.SMTP.HELO, Timeout: cfg.SMTP.Timeout.Duration, TLSConfig: cfg.SMTP.TLSConfig,
	}
	o := replies.NewOutbox(db, smtp, log.With("component", "outbox"))
	o.Connections = cfg.SMTP.Connections
	return o
}

// newConsole wires the web console over an open store; the replies its
// operators queue wake outbox and are counted by m. It serves m's
// metrics to the bearer of [metrics] token_file, and says on /healthz
// whether the mailboxes were read within [daemon] stale_after.
func newConsole(cfg Config, db *store.DB, tmpl *templates.Set, outbox daemon.Waker, m *metrics.Metrics, reads console.MailboxReads, log *slog.Logger) (*console.Server, error) {
	return console.New(console.Options{
		Store: db, Accounts: &accounts.Service{Store: db}, Operator: newOperator(cfg, db, tmpl, outbox, m), Templates: tmpl,
		Log: log.With("component", "console"), RequireTOTP: cfg.Console.RequireTOTP,
		IdleTimeout: cfg.Console.IdleTimeout.Duration, Secure: cfg.Console.CertFile != "",
		Location: cfg.Templates.Location,
		Metrics:  m.Handler(), MetricsToken: cfg.Metrics.Token,
		Mailboxes: reads, Watched: mailboxKeys(cfg), StaleAfter: cfg.Daemon.StaleAfter.Duration,
		OAuth: db, OAuthAccounts: oauthNames(cfg),
	})
}

// newOperator is the console's operator actions with the templates tmpl.
func newOperator(cfg Config, db *store.DB, tmpl *templates.Set, outbox daemon.Waker, counter replies.Observer) *replies.Operator {
	return &replies.Operator{Tickets: wakingTickets{db, outbox, counter}, Templates: tmpl, From: cfg.SMTP.FromAddress,
		Mailboxes: fromByMailbox(cfg)}
}

// wakingTickets is the store as the console's operator actions see it: a
// reply queued wakes the outbox at once, instead of at its next look, and
// is counted.
type wakingTickets struct {
	*store.DB
	outbox  daemon.Waker
	counter replies.Observer // nil: not counted
}

// Queue queues out and wakes the outbox.
func (w wakingTickets) Queue(ctx context.Context, number string, version int64, out store.Outgoing, status store.Status) error {
	if err := w.DB.Queue(ctx, number, version, out, status); err != nil {
		return err
	}
	if w.counter != nil {
		w.counter.Queued(1)
	}
	w.outbox.Wake()
	return nil
}

// service is what "ticketd run" runs: the mailbox loop, the outbox, the
// web console, the log of the event chain's head, and the deadline watch
// with the outbox of its notices, over one store. The
// command starts the parts, so that each is one goroutine of one errgroup.
type service struct {
	db        *store.DB
	daemons   []*daemon.Daemon // one per mailbox
	lease     func(name string) *daemon.Lease
	outbox    *replies.Outbox
	retention *daemon.Retention // purges daily; does nothing without a [retention] rule
	heads     *daemon.HeadLog
	console   *console.Server // nil: [console] address is ""
	web       ConsoleConfig
	metrics   *metrics.Metrics
	metricsAt MetricsConfig // [metrics]: its own listener when Address is set
	log       *slog.Logger
	watch     *daemon.Watch   // the deadlines ([sla], sla.go)
	notices   *replies.Outbox // sends the watch's letters to the staff
	oauth     oauthSources    // the OAuth2 accounts' tokens (wire_oauth.go)
}

// openService opens the configured store and wires the daemon, the outbox
// and the console over it. The caller closes it.
func openService(ctx context.Context, cfg Config, log *slog.Logger) (*service, error) {
	applyMemoryLimit(cfg.Daemon, log)
	defer leanWhile()()
	tmpl, err := loadTemplates(cfg)
	if err != nil {
		return nil, err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &service{db: db, outbox: newOutbox(cfg, db, log), web: cfg.Console, log: log, heads: &daemon.HeadLog{Chain: db, Log: log},
		retention: &daemon.Retention{Store: db, Policy: cfg.Retention.Policy(), Log: log.With("component", "retention")}}
	db.Windows = windows(cfg)
	s.notices = newNoticeOutbox(cfg, db, log)
	s.watch = newWatch(cfg, db, s.notices, log)
	s.metrics, s.metricsAt = newMetrics(cfg, db, log), cfg.Metrics
	s.outbox.Observer = s.metrics
	db.SetClaimTTL(cfg.Daemon.ClaimTTL.Duration)
	s.lease = func(name string) *daemon.Lease {
		return &daemon.Lease{Store: db, Name: name, Holder: db.Holder(), TTL: cfg.Daemon.TTL.Duration,
			Renew: cfg.Daemon.Renew.Duration, Log: log}
	}
	if s.daemons, err = newDaemons(cfg, db, tmpl, s.outbox, log); err != nil {
		db.Close()
		return nil, err
	}
	for _, d := range s.daemons {
		d.Observer = s.metrics
	}
	if s.oauth, err = newOAuthSources(ctx, cfg, db, s.metrics, s.notices, log); err != nil {
		db.Close()
		return nil, err
	}
	s.oauth.wire(s.daemons, s.outbox, s.notices)
	if cfg.Console.Address != "" {
		if s.console, err = newConsole(cfg, db, tmpl, s.outbox, s.metrics, db, log); err != nil {
			db.Close()
			return nil, err
		}
	}
	if cfg.Store.KeyFile == "" {
		log.Warn("store.key_file is not set: letters and files are stored unencrypted")
	} else if n, err := db.PlainRows(ctx); err != nil {
		db.Close()
		return nil, err
	} else if n > 0 {
		log.Warn("rows stored before store.key_file was set are still unencrypted: run \"ticketd keys seal-existing\"", "rows", n)
	}
	return s, nil
}

// Run runs every part until ctx ends or one fails.
func (s *service) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, d := range s.daemons {
		g.Go(func() error { return d.Run(ctx) }) // each under its mailbox's lease
	}
	// The outbox is shared: every process sends, each letter claimed by
	// one. The singletons run in one process at a time, under a lease.
	g.Go(func() error { return s.outbox.Run(ctx) })
	g.Go(func() error { return s.lease("task:retention").Run(ctx, s.retention.Run) })
	g.Go(func() error { return s.lease("task:heads").Run(ctx, s.heads.Run) })
	g.Go(func() error { return s.lease("task:deadlines").Run(ctx, s.watch.Run) })
	g.Go(func() error { return s.lease("task:notices").Run(ctx, s.notices.Run) })
	if s.console != nil {
		g.Go(func() error { return s.console.Run(ctx, s.web.Address, s.web.CertFile, s.web.KeyFile) })
	}
	if s.metricsAt.Address != "" {
		g.Go(func() error {
			return serveMetrics(ctx, s.metricsAt.Address, s.metrics.Handler(), s.metricsAt.Token, s.log.With("component", "metrics"))
		})
	}
	return g.Wait()
}

// Once reads the mailbox once, looks at the deadlines, sends what is
// queued and logs the chain's head.
func (s *service) Once(ctx context.Context) error {
	var perr error
	for _, d := range s.daemons {
		_, err := d.Poll(ctx)
		perr = errors.Join(perr, err)
	}
	werr := s.watch.Once(ctx)
	_, oerr := s.outbox.Drain(ctx)
	_, nerr := s.notices.Drain(ctx)
	s.heads.LogHead(ctx)
	return errors.Join(perr, werr, oerr, nerr)
}

// Close closes the store.
func (s *service) Close() error { return s.db.Close() }
