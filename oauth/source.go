package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/ticketd/ticketd/store"
)

// Store keeps the accounts' refresh tokens: *store.DB.
type Store interface {
	OAuthToken(ctx context.Context, account string) (store.OAuthToken, error)
	SaveOAuthToken(ctx context.Context, account string, tok store.OAuthToken) (recovered bool, err error)
	RecordOAuthFailure(ctx context.Context, account, reason string) (first bool, err error)
}

// Observer is told how refreshes go: metrics (the counter of failures
// and the gauge of health) and the letter to the staff. Its methods must
// not block for long.
type Observer interface {
	// Refreshed is told of each refresh that succeeded.
	Refreshed(account string)
	// Failed is told of each refresh that failed, with a reason that holds
	// no secret; first is true once per failure: when the account was well
	// before, for every process on the store.
	Failed(ctx context.Context, account, reason string, first bool)
}

// Options configure a Source; every field may be left zero.
type Options struct {
	// Client makes the requests to the token endpoint; nil:
	// http.DefaultClient.
	Client *http.Client
	// Log gets the loud failures and recoveries; nil: discard.
	Log *slog.Logger
	// Observer is told of every refresh; nil: nobody.
	Observer Observer
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Margin is how long before its expiry an access token is refreshed;
	// 0: the smaller of 5 minutes and a tenth of its lifetime.
	Margin time.Duration
	// RetryMin and RetryMax bound the wait, doubling from one to the
	// other, before a refresh that failed for a reason that may pass (the
	// network, the server) is tried again; 0: 30 seconds and 15 minutes.
	// A refresh token the server refused is not tried again at all.
	RetryMin, RetryMax time.Duration
}

// Source gives one account its access tokens: the daemon.TokenSource and
// replies.TokenSource of a mailbox or of the SMTP server. It is safe for
// concurrent use.
type Source struct {
	account string
	conf    *oauth2.Config
	st      Store
	opts    Options
	log     *slog.Logger

	mu       sync.Mutex
	access   string
	expiry   time.Time // zero: the server gave no lifetime
	lifetime time.Duration
	flight   *call // the refresh under way; nil: none
	// pending is a refresh token obtained and not yet stored (the store
	// failed): it is stored before anything else is done.
	pending string

	// The failure state, changed only by the refresh under way.
	failing bool
	failure error  // returned while failing
	refused string // the refresh token the server refused
	tried   string // the refresh token whose refresh failed last
	retryAt time.Time
	wait    time.Duration
}

// call is one refresh; the goroutines that asked meanwhile wait for it.
type call struct {
	done  chan struct{}
	token string
	err   error
}

// NewSource returns the Source of account ("imap:<mailbox>" or "smtp"),
// whose refresh token st keeps, for the authorization server of c. o may
// be nil.
func NewSource(account string, c Config, st Store, o *Options) *Source {
	var opts Options
	if o != nil {
		opts = *o
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = 30 * time.Second
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = max(15*time.Minute, opts.RetryMin)
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{account: account, conf: c.oauth2Config(), st: st, opts: opts, log: log.With("account", account)}
}

// Account is the account's name in the store.
func (s *Source) Account() string { return s.account }

// Token returns an access token: the one in memory while it is valid for
// longer than the margin, else a new one, refreshed once for all the
// goroutines that ask meanwhile. Its error wraps ErrLoginNeeded when only
// a login helps, ErrRefresh while a refresh that failed waits to be tried
// again, or the store's error.
func (s *Source) Token(ctx context.Context) (string, error) {
	for {
		s.mu.Lock()
		if s.access != "" && s.pending == "" && s.fresh(s.opts.Now()) {
			tok := s.access
			s.mu.Unlock()
			return tok, nil
		}
		if c := s.flight; c != nil {
			s.mu.Unlock()
			select {
			case <-c.done:
			case <-ctx.Done():
				return "", ctx.Err()
			}
			// The one who asked first gave up: ask again.
			if ctx.Err() == nil && (errors.Is(c.err, context.Canceled) || errors.Is(c.err, context.DeadlineExceeded)) {
				continue
			}
			return c.token, c.err
		}
		c := &call{done: make(chan struct{})}
		s.flight = c
		s.mu.Unlock()

		c.token, c.err = s.refresh(ctx)
		s.mu.Lock()
		s.flight = nil
		s.mu.Unlock()
		close(c.done)
		return c.token, c.err
	}
}

// fresh reports whether the access token in memory is valid beyond the
// margin at now; s.mu is held.
func (s *Source) fresh(now time.Time) bool {
	if s.expiry.IsZero() {
		return true
	}
	margin := s.opts.Margin
	if margin <= 0 {
		margin = min(5*time.Minute, s.lifetime/10)
	}
	return now.Before(s.expiry.Add(-margin))
}

// Rejected tells the Source that the server refused token: the next
// Token refreshes. A token other than the one in memory (already
// replaced) changes nothing.
func (s *Source) Rejected(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if token != "" && token == s.access {
		s.access, s.expiry = "", time.Time{}
	}
}

// refresh obtains a new access token; only the call in flight runs it.
func (s *Source) refresh(ctx context.Context) (string, error) {
	if s.pending != "" {
		if err := s.savePending(ctx); err != nil {
			return "", err
		}
		s.mu.Lock()
		tok, ok := s.access, s.access != "" && s.fresh(s.opts.Now())
		s.mu.Unlock()
		if ok {
			return tok, nil
		}
	}
	stored, err := s.st.OAuthToken(ctx, s.account)
	if errors.Is(err, store.ErrNotFound) {
		return "", s.fail(ctx, "", fmt.Errorf("%w: no token stored", ErrLoginNeeded))
	}
	if err != nil {
		return "", fmt.Errorf("oauth %s: %w", s.account, err)
	}
	rt := stored.RefreshToken
	if s.failing && (rt == s.refused || rt == s.tried && s.opts.Now().Before(s.retryAt)) {
		// Nothing new since the last failure: no login, not yet time.
		return "", s.failure
	}
	now := s.opts.Now()
	tok, err := s.exchange(ctx, rt)
	if err != nil && refused(err) {
		// Another process on the store may have rotated rt a moment ago
		// (every process sends through the SMTP server's account): try
		// once more with what the store holds now.
		if again, serr := s.st.OAuthToken(ctx, s.account); serr == nil && again.RefreshToken != rt {
			rt = again.RefreshToken
			tok, err = s.exchange(ctx, rt)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("oauth %s: refresh: %w", s.account, ctx.Err())
		}
		return "", s.fail(ctx, rt, err)
	}
	next := tok.RefreshToken
	if next == "" {
		next = rt
	}
	s.mu.Lock()
	s.access, s.expiry, s.pending = tok.AccessToken, tok.Expiry, next
	s.lifetime = 0
	if !tok.Expiry.IsZero() {
		s.lifetime = tok.Expiry.Sub(now)
	}
	s.mu.Unlock()
	// The server may have retired rt already: store its successor before
	// the access token is used, so that a crash loses neither.
	if err := s.savePending(ctx); err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// exchange asks the token endpoint for an access token for rt.
func (s *Source) exchange(ctx context.Context, rt string) (*oauth2.Token, error) {
	return s.conf.TokenSource(withClient(ctx, s.opts.Client), &oauth2.Token{RefreshToken: rt}).Token()
}

// savePending stores the refresh token obtained, and ends a failure.
func (s *Source) savePending(ctx context.Context) error {
	s.mu.Lock()
	tok := store.OAuthToken{RefreshToken: s.pending, AccessExpiry: s.expiry}
	s.mu.Unlock()
	recovered, err := s.st.SaveOAuthToken(ctx, s.account, tok)
	if err != nil {
		return fmt.Errorf("oauth %s: store the refreshed token: %w", s.account, err)
	}
	s.mu.Lock()
	s.pending = ""
	s.mu.Unlock()
	if s.failing || recovered {
		s.log.Info("oauth: refresh works again")
	}
	s.failing, s.failure, s.refused, s.tried, s.wait = false, nil, "", "", 0
	if s.opts.Observer != nil {
		s.opts.Observer.Refreshed(s.account)
	}
	return nil
}

// fail records that refreshing with rt ("": none stored) failed with err,
// loudly when the account was well, and returns the error Token returns.
func (s *Source) fail(ctx context.Context, rt string, err error) error {
	reason, login := classify(err)
	kind := ErrRefresh
	if login {
		kind = ErrLoginNeeded
		s.refused = rt
	} else {
		s.wait = min(max(2*s.wait, s.opts.RetryMin), s.opts.RetryMax)
		s.retryAt = s.opts.Now().Add(s.wait)
	}
	s.tried = rt
	first, serr := s.st.RecordOAuthFailure(ctx, s.account, reason)
	if serr != nil {
		s.log.Warn("oauth: record the failure", "error", serr)
	}
	if rt == "" || serr != nil {
		// Nothing stored to mark: this process decides alone.
		first = !s.failing
	}
	if !s.failing {
		s.log.Error("oauth: refresh failed", "reason", reason, "login_needed", login)
	}
	s.failing = true
	s.failure = fmt.Errorf("oauth %s: %w: %s", s.account, kind, reason)
	if s.opts.Observer != nil {
		s.opts.Observer.Failed(ctx, s.account, reason, first)
	}
	return s.failure
}

// refused reports whether the server refused the refresh token.
func refused(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// classify says why a refresh failed, in words that hold no secret, and
// whether only a login helps.
func classify(err error) (reason string, login bool) {
	if errors.Is(err, ErrLoginNeeded) {
		return "no token stored: run ticketd oauth login", true
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" && re.Response != nil {
			code = "HTTP " + re.Response.Status
		}
		reason = "token endpoint: " + code
		if re.ErrorDescription != "" {
			reason += ": " + truncate(re.ErrorDescription, 200)
		}
		return reason, re.ErrorCode == "invalid_grant"
	}
	return "token endpoint unreachable: " + truncate(err.Error(), 300), false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
