package console

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/ticketd/ticketd/accounts"
	"github.com/ticketd/ticketd/metrics"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/templates"
)

// DefaultIdleTimeout ends a session no request has used for this long,
// when Options.IdleTimeout is 0.
const DefaultIdleTimeout = 30 * time.Minute

// Options configure a Server.
type Options struct {
	Store     Store
	Accounts  *accounts.Service
	Operator  *replies.Operator
	Templates *templates.Set
	Log       *slog.Logger // nil: discard
	// RequireTOTP refuses to sign in an admin who has not enrolled a TOTP
	// second factor.
	RequireTOTP bool
	IdleTimeout time.Duration    // 0: DefaultIdleTimeout
	Secure      bool             // served over TLS: Secure cookies
	Now         func() time.Time // nil: time.Now
	// Location is the time zone pages show times in; nil: Europe/Moscow.
	Location *time.Location

	// Metrics is served at GET /metrics to requests bearing MetricsToken
	// (metrics.Protect); without both, the console has no /metrics.
	// Prometheus does not sign in, and the console's address may be
	// reached through a reverse proxy, so neither a session nor the
	// client's address would do.
	Metrics      http.Handler
	MetricsToken string

	// Mailboxes says when each mailbox was last read; with StaleAfter
	// above 0, /healthz is unhealthy while a mailbox of Watched has not
	// been read for StaleAfter (see healthz).
	Mailboxes  MailboxReads
	Watched    []string // the keys of the configured mailboxes
	StaleAfter time.Duration

	// OAuth tells, for the OAuth2 accounts OAuthAccounts, whether their
	// last refresh failed: /healthz is unhealthy while one did, or one has
	// no token (healthz_oauth.go).
	OAuth         OAuthTokens
	OAuthAccounts []string
}

// Server is the web console. Its Handler serves every page, the live
// updates and the API; Run serves it on an address.
type Server struct {
	store    Store
	accounts *accounts.Service
	acting   atomic.Pointer[acting] // the operator's actions and the templates; Reload replaces them
	log      *slog.Logger
	now      func() time.Time
	loc      *time.Location
	idle     time.Duration
	secure   bool
	totp     bool

	pages    map[string]*template.Template // by page name: the file's name without .html
	messages catalog
	logins   *limiter      // failed sign-ins
	hashing  chan struct{} // one token per password check at a time (argon2id takes 64 MiB)
	feed     *feed
	recheck  time.Duration // how often an event stream checks its session again
	health   health
	metrics  http.Handler // nil: no /metrics
	handler  http.Handler
}

// New returns a console serving opts.Store. Store and Accounts are
// required; without Operator and Templates the pages read but cannot act.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("console: no store")
	}
	if opts.Accounts == nil {
		return nil, errors.New("console: no accounts service")
	}
	s := &Server{
		store: opts.Store, accounts: opts.Accounts,
		log: opts.Log, now: opts.Now, loc: opts.Location, idle: opts.IdleTimeout, secure: opts.Secure,
		totp: opts.RequireTOTP,
	}
	s.acting.Store(&acting{operator: opts.Operator, letters: opts.Templates})
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.idle <= 0 {
		s.idle = DefaultIdleTimeout
	}
	if s.loc == nil {
		loc, err := time.LoadLocation("Europe/Moscow")
		if err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
		s.loc = loc
	}
	var err error
	if s.messages, err = newCatalog(coreMessages(), ticketMessages(), auditMessages(), senderMessages()); err != nil {
		return nil, err
	}
	if s.pages, err = s.parsePages(); err != nil {
		return nil, err
	}
	s.logins = newLimiter(s.now)
	s.hashing = make(chan struct{}, 2)
	s.recheck = recheckEvery
	s.feed = newFeed(storeChanges{opts.Store}, s.log)
	s.health = health{reads: opts.Mailboxes, watched: opts.Watched, staleAfter: opts.StaleAfter, started: s.now(),
		oauth: opts.OAuth, oauthAccounts: opts.OAuthAccounts}
	if opts.Metrics != nil && opts.MetricsToken != "" {
		s.metrics = metrics.Protect(opts.Metrics, opts.MetricsToken)
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the console's handler: every page, the live updates, the
// API and the static files, behind the security middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// Close ends the event streams, which never end on their own. Run does it
// when it shuts down; a caller serving Handler on a server of its own
// (such as httptest.Server, whose Close waits for every request) calls it
// first.
func (s *Server) Close() error {
	s.feed.shutdown()
	return nil
}

// Run serves the console on address until ctx ends, then shuts down
// gracefully, ending the event streams and giving other requests in flight
// up to 5 seconds. It serves TLS when both certFile and keyFile are set
// (Options.Secure should then be set too). A Server runs once.
func (s *Server) Run(ctx context.Context, address, certFile, keyFile string) error {
	if (certFile == "") != (keyFile == "") {
		return errors.New("console: cert_file and key_file go together")
	}
	ln, err := net.Listen("tcp", address)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second, // /events lifts it for its stream
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	srv.RegisterOnShutdown(s.feed.shutdown) // ends the event streams, which never finish on their own
	s.log.Info("console listening", "address", ln.Addr().String(), "tls", certFile != "")
	served := make(chan error, 1)
	go func() {
		if certFile != "" {
			served <- srv.ServeTLS(ln, certFile, keyFile)
		} else {
			served <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-served:
		return fmt.Errorf("console: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shut)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("console: %w", serr)
	}
	if err != nil {
		return fmt.Errorf("console: shutdown: %w", err)
	}
	return nil
}
