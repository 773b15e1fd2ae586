package oauth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/oauthtest"
	"github.com/ticketd/ticketd/store"
)

const account = "imap:INBOX"

// clock is a settable time for a Source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu        sync.Mutex
	refreshed int
	failed    []string // reasons
	first     int      // failures told as first
}

func (r *recorder) Refreshed(string) { r.mu.Lock(); r.refreshed++; r.mu.Unlock() }
func (r *recorder) Failed(_ context.Context, _ string, reason string, first bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, reason)
	if first {
		r.first++
	}
}

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// fixture is a test authorization server, a store with a login saved, and
// a Source over them.
type fixture struct {
	srv   *oauthtest.Server
	db    *store.DB
	src   *Source
	clock *clock
	obs   *recorder
	log   *lockedBuffer
}

func newFixture(t *testing.T, lifetime time.Duration) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{
		srv:   oauthtest.Start(t, &oauthtest.Options{ClientID: "ticketd", AccessLifetime: lifetime}),
		clock: &clock{t: time.Now()},
		obs:   &recorder{},
		log:   &lockedBuffer{},
	}
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "ticketd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	_, rt := f.srv.Grant("")
	if err := db.SaveOAuthLogin(ctx, account, store.OAuthToken{RefreshToken: rt}, "cli:test"); err != nil {
		t.Fatal(err)
	}
	f.src = NewSource(account, Config{TokenURL: f.srv.TokenURL, ClientID: "ticketd"}, db, &Options{
		Log: slog.New(slog.NewTextHandler(f.log, nil)), Observer: f.obs, Now: f.clock.Now,
		RetryMin: time.Minute, RetryMax: 4 * time.Minute,
	})
	return f
}

// storedRefresh is the refresh token the store holds.
func (f *fixture) storedRefresh(t *testing.T) string {
	t.Helper()
	tok, err := f.db.OAuthToken(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	return tok.RefreshToken
}

func (f *fixture) events(t *testing.T) []string {
	t.Helper()
	es, err := f.db.OAuthEvents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func TestSourceRefreshesBeforeExpiryAndStoresRotation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, time.Hour)
	tok, err := f.src.Token(ctx)
	if err != nil || tok == "" {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	if !f.srv.Active(tok) || f.srv.Refreshes() != 1 {
		t.Errorf("Token: active %v, refreshes %d; want an active token from one refresh", f.srv.Active(tok), f.srv.Refreshes())
	}
	if got, want := f.storedRefresh(t), f.srv.RefreshToken(oauthtest.DefaultUsername); got != want {
		t.Errorf("stored refresh token %q, want the rotated %q", got, want)
	}
	// From memory while valid beyond the margin (5 minutes of an hour).
	f.clock.Add(54 * time.Minute)
	if again, err := f.src.Token(ctx); err != nil || again != tok || f.srv.Refreshes() != 1 {
		t.Errorf("Token 54 minutes later = %q, %v (refreshes %d); want the same token, no refresh", again, err, f.srv.Refreshes())
	}
	// Within the margin: refreshed before it expires.
	f.clock.Add(2 * time.Minute)
	next, err := f.src.Token(ctx)
	if err != nil || next == tok || f.srv.Refreshes() != 2 {
		t.Errorf("Token 56 minutes later = %q, %v (refreshes %d); want a new token", next, err, f.srv.Refreshes())
	}
	if got, want := f.storedRefresh(t), f.srv.RefreshToken(oauthtest.DefaultUsername); got != want {
		t.Errorf("stored refresh token after the second refresh %q, want %q", got, want)
	}
	if f.obs.refreshed != 2 || len(f.obs.failed) != 0 {
		t.Errorf("observer: %d refreshed, failures %q; want 2 and none", f.obs.refreshed, f.obs.failed)
	}
}

func TestSourceSingleFlight(t *testing.T) {
	f := newFixture(t, time.Hour)
	var wg sync.WaitGroup
	toks := make([]string, 16)
	errs := make([]error, 16)
	for i := range toks {
		wg.Go(func() { toks[i], errs[i] = f.src.Token(context.Background()) })
	}
	wg.Wait()
	for i := range toks {
		if errs[i] != nil || toks[i] != toks[0] {
			t.Errorf("Token #%d = %q, %v; want %q like the others", i, toks[i], errs[i], toks[0])
		}
	}
	if n := f.srv.Refreshes(); n != 1 {
		t.Errorf("refreshes for 16 goroutines at once = %d, want 1", n)
	}
}

func TestSourceRejected(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, time.Hour)
	first, _ := f.src.Token(ctx)
	f.src.Rejected("some older token")
	if tok, _ := f.src.Token(ctx); tok != first || f.srv.Refreshes() != 1 {
		t.Errorf("after another token was rejected: %q (refreshes %d), want the same token", tok, f.srv.Refreshes())
	}
	f.srv.ExpireAll() // the server no longer takes it, as Dovecot would say
	f.src.Rejected(first)
	tok, err := f.src.Token(ctx)
	if err != nil || tok == first || !f.srv.Active(tok) {
		t.Errorf("Token after Rejected = %q, %v; want a new active token", tok, err)
	}
}

// TestSourceRevokedIsLoudOnce revokes the refresh token: the refresh fails
// with ErrLoginNeeded, once loudly (an ERROR line naming the account and
// not the token, one oauth.failed event, the observer told first), and is
// not tried again with the same refresh token; a new login ends it.
func TestSourceRevokedIsLoudOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, time.Hour)
	tok, err := f.src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	revoked := f.storedRefresh(t)
	f.srv.Revoke(revoked)
	f.src.Rejected(tok)
	for i := range 3 {
		_, err := f.src.Token(ctx)
		if !errors.Is(err, ErrLoginNeeded) {
			t.Fatalf("Token #%d after the revocation = %v, want ErrLoginNeeded", i, err)
		}
		if strings.Contains(err.Error(), revoked) {
			t.Errorf("the error %q shows the refresh token", err)
		}
		f.clock.Add(time.Hour)
	}
	if n := f.srv.FailedRefreshes(); n != 1 {
		t.Errorf("refreshes tried with the revoked token = %d, want 1", n)
	}
	logged := f.log.String()
	if strings.Count(logged, "level=ERROR") != 1 || !strings.Contains(logged, "account=imap:INBOX") || !strings.Contains(logged, "invalid_grant") {
		t.Errorf("log = %q, want one ERROR line naming the account and invalid_grant", logged)
	}
	if strings.Contains(logged, revoked) || strings.Contains(logged, tok) {
		t.Errorf("the log shows a token: %q", logged)
	}
	if got := f.events(t); strings.Join(got, " ") != "oauth.login oauth.failed" {
		t.Errorf("events = %q, want oauth.login oauth.failed", got)
	}
	if f.obs.first != 1 || len(f.obs.failed) != 1 {
		t.Errorf("observer: failures %q, %d first; want 1, first", f.obs.failed, f.obs.first)
	}
	list, err := f.db.OAuthTokens(ctx)
	if err != nil || len(list) != 1 || !strings.Contains(list[0].Failure, "invalid_grant") {
		t.Errorf("OAuthTokens = %+v, %v; want the failure recorded", list, err)
	}

	// The operator logs in again: the daemon picks it up and says so.
	_, rt := f.srv.Grant("")
	if err := f.db.SaveOAuthLogin(ctx, account, store.OAuthToken{RefreshToken: rt}, "cli:test"); err != nil {
		t.Fatal(err)
	}
	if tok, err := f.src.Token(ctx); err != nil || !f.srv.Active(tok) {
		t.Fatalf("Token after a new login = %q, %v", tok, err)
	}
	if logged := f.log.String(); !strings.Contains(logged, "level=INFO") || !strings.Contains(logged, "works again") {
		t.Errorf("log after the recovery = %q, want an INFO line", logged)
	}
	if list, _ := f.db.OAuthTokens(ctx); list[0].Failure != "" {
		t.Errorf("failure after the recovery = %q, want none", list[0].Failure)
	}
}

// TestSourceOutageRetriesLater plays an outage of the token endpoint: the
// refresh fails with ErrRefresh, is tried again only after RetryMin, loudly
// once, and the recovery is an oauth.recovered event.
func TestSourceOutageRetriesLater(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, time.Hour)
	f.srv.FailTokens(503, "temporarily_unavailable")
	for range 3 {
		if _, err := f.src.Token(ctx); !errors.Is(err, ErrRefresh) {
			t.Fatalf("Token during the outage = %v, want ErrRefresh", err)
		}
	}
	if n := f.srv.FailedRefreshes(); n != 1 {
		t.Errorf("refreshes tried within RetryMin = %d, want 1", n)
	}
	f.clock.Add(time.Minute)
	if _, err := f.src.Token(ctx); !errors.Is(err, ErrRefresh) || f.srv.FailedRefreshes() != 2 {
		t.Errorf("Token after RetryMin = %v (tried %d), want a second try, failing", err, f.srv.FailedRefreshes())
	}
	if f.obs.first != 1 || len(f.obs.failed) != 2 {
		t.Errorf("observer: failures %q, %d first; want 2 told, 1 first", f.obs.failed, f.obs.first)
	}
	f.srv.FailTokens(0, "")
	f.clock.Add(time.Minute) // the wait doubled: 2 minutes
	if _, err := f.src.Token(ctx); !errors.Is(err, ErrRefresh) {
		t.Errorf("Token 1 minute into a 2-minute wait = %v, want ErrRefresh without trying", err)
	}
	f.clock.Add(time.Minute)
	if tok, err := f.src.Token(ctx); err != nil || !f.srv.Active(tok) {
		t.Fatalf("Token after the outage = %q, %v", tok, err)
	}
	if got := f.events(t); strings.Join(got, " ") != "oauth.login oauth.failed oauth.recovered" {
		t.Errorf("events = %q, want oauth.login oauth.failed oauth.recovered", got)
	}
	if n := strings.Count(f.log.String(), "level=ERROR"); n != 1 {
		t.Errorf("ERROR lines = %d, want 1", n)
	}
}

// failingSave is a store whose SaveOAuthToken fails while fail is set.
type failingSave struct {
	*store.DB
	fail bool
}

func (s *failingSave) SaveOAuthToken(ctx context.Context, account string, tok store.OAuthToken) (bool, error) {
	if s.fail {
		return false, errors.New("disk full")
	}
	return s.DB.SaveOAuthToken(ctx, account, tok)
}

// TestSourceStoresRotationBeforeUse checks that an access token whose
// rotated refresh token could not be stored is not handed out, and that
// the rotated token is stored (not lost) once the store works.
func TestSourceStoresRotationBeforeUse(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, time.Hour)
	st := &failingSave{DB: f.db, fail: true}
	src := NewSource(account, Config{TokenURL: f.srv.TokenURL, ClientID: "ticketd"}, st, &Options{Now: f.clock.Now})
	if tok, err := src.Token(ctx); err == nil || tok != "" {
		t.Fatalf("Token with a failing store = %q, %v; want an error", tok, err)
	}
	st.fail = false
	tok, err := src.Token(ctx)
	if err != nil || !f.srv.Active(tok) {
		t.Fatalf("Token once the store works = %q, %v", tok, err)
	}
	if f.srv.Refreshes() != 1 {
		t.Errorf("refreshes = %d, want 1: the rotated token kept, not refreshed again", f.srv.Refreshes())
	}
	if got, want := f.storedRefresh(t), f.srv.RefreshToken(oauthtest.DefaultUsername); got != want {
		t.Errorf("stored refresh token %q, want the rotated %q", got, want)
	}
}

func TestSourceNeverLoggedIn(t *testing.T) {
	f := newFixture(t, time.Hour)
	src := NewSource("smtp", Config{TokenURL: f.srv.TokenURL, ClientID: "ticketd"}, f.db,
		&Options{Observer: f.obs, Log: slog.New(slog.NewTextHandler(f.log, nil))})
	for range 2 {
		if _, err := src.Token(context.Background()); !errors.Is(err, ErrLoginNeeded) {
			t.Fatalf("Token of an account never logged in = %v, want ErrLoginNeeded", err)
		}
	}
	if f.obs.first != 1 || strings.Count(f.log.String(), "level=ERROR") != 1 {
		t.Errorf("first failures %d, log %q; want one, loud once", f.obs.first, f.log.String())
	}
}

// staleStore is a store whose first OAuthToken answers stale: what a
// process read just before another rotated the token.
type staleStore struct {
	*store.DB
	stale string
	read  bool
}

func (s *staleStore) OAuthToken(ctx context.Context, account string) (store.OAuthToken, error) {
	if !s.read {
		s.read = true
		return store.OAuthToken{Account: account, RefreshToken: s.stale}, nil
	}
	return s.DB.OAuthToken(ctx, account)
}

// TestSourceAnotherProcessRotated plays two processes refreshing one
// account (every process sends through the SMTP server's): one reads the
// refresh token, the other rotates it, and the first's refresh is refused.
// That is not a revocation: it tries once more with the stored token.
func TestSourceAnotherProcessRotated(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, time.Hour)
	stale := f.storedRefresh(t)
	if _, err := f.src.Token(ctx); err != nil { // rotates stale away
		t.Fatal(err)
	}
	late := NewSource(account, Config{TokenURL: f.srv.TokenURL, ClientID: "ticketd"}, &staleStore{DB: f.db, stale: stale},
		&Options{Now: f.clock.Now, Observer: f.obs})
	tok, err := late.Token(ctx)
	if err != nil || !f.srv.Active(tok) {
		t.Fatalf("Token with a refresh token rotated meanwhile = %q, %v; want a token", tok, err)
	}
	if f.srv.FailedRefreshes() != 1 || len(f.obs.failed) != 0 {
		t.Errorf("refused refreshes %d, failures told %q; want 1 refused and none told", f.srv.FailedRefreshes(), f.obs.failed)
	}
	if got, want := f.storedRefresh(t), f.srv.RefreshToken(oauthtest.DefaultUsername); got != want {
		t.Errorf("stored refresh token %q, want the newest %q", got, want)
	}
}
