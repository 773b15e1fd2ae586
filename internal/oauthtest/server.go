package oauthtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Options configures a Server. The zero value (or a nil *Options) is usable.
type Options struct {
	// ClientID is the only client_id accepted; "" accepts any.
	ClientID string
	// ClientSecret, when set, must come with every token request, in HTTP
	// basic authentication or the client_secret form field.
	ClientSecret string
	// Username is the account that approved grants belong to unless a
	// control names another; "" means "oauth@example.test".
	Username string
	// AccessLifetime is the lifetime of new access tokens; 0 means one hour.
	// It is rounded up to whole seconds (expires_in is in seconds).
	AccessLifetime time.Duration
	// DeviceInterval is the polling interval the device authorization
	// endpoint asks for; 0 means one second.
	DeviceInterval time.Duration
	// NoRotation makes refreshes return the same refresh token.
	NoRotation bool
}

// DefaultUsername is the account of grants when Options.Username is "".
const DefaultUsername = "oauth@example.test"

// Server is a running test authorization server. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT.
	URL string
	// TokenURL, DeviceURL, AuthorizeURL and IntrospectURL are the endpoints.
	TokenURL, DeviceURL, AuthorizeURL, IntrospectURL string

	http *httptest.Server
	opts Options

	mu             sync.Mutex
	lifetime       time.Duration
	grants         []*grant           // in order of grant
	refresh        map[string]*grant  // every refresh token ever issued
	access         map[string]*access // by access token
	devices        map[string]*device // by device code
	codes          map[string]*code   // authorization codes
	authorizeDeny  bool
	failStatus     int
	failCode       string
	refreshes      int
	failedRefresh  int
	introspections int
	seq            int // numbers grants in order
}

// grant is one consent: a user and client, with the current refresh token.
type grant struct {
	seq      int
	username string
	clientID string
	scope    string
	refresh  string // current refresh token
	revoked  bool
}

// access is an issued access token.
type access struct {
	grant   *grant
	expires time.Time
}

// TB is the part of testing.TB that Start uses.
type TB interface {
	Helper()
	Cleanup(func())
}

// New starts a Server; Close stops it.
func New(opts *Options) *Server {
	s := &Server{
		refresh: make(map[string]*grant),
		access:  make(map[string]*access),
		devices: make(map[string]*device),
		codes:   make(map[string]*code),
	}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Username == "" {
		s.opts.Username = DefaultUsername
	}
	if s.opts.DeviceInterval <= 0 {
		s.opts.DeviceInterval = time.Second
	}
	s.lifetime = s.opts.AccessLifetime
	if s.lifetime <= 0 {
		s.lifetime = time.Hour
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.handleToken)
	mux.HandleFunc("POST /devicecode", s.handleDevice)
	mux.HandleFunc("GET /authorize", s.handleAuthorize)
	mux.HandleFunc("POST /introspect", s.handleIntrospect)
	mux.HandleFunc("GET /device", s.handleVerify)
	s.http = httptest.NewServer(mux)
	s.URL = s.http.URL
	s.TokenURL = s.URL + "/token"
	s.DeviceURL = s.URL + "/devicecode"
	s.AuthorizeURL = s.URL + "/authorize"
	s.IntrospectURL = s.URL + "/introspect"
	return s
}

// Start is New for a test: t.Cleanup closes the server.
func Start(t TB, opts *Options) *Server {
	t.Helper()
	s := New(opts)
	t.Cleanup(s.Close)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// Grant records a consent of username (Options.Username when "") without
// any flow, and returns a fresh access token and refresh token, as a
// completed login would. Tests that are not about logging in start here.
func (s *Server) Grant(username string) (accessToken, refreshToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.newGrantLocked(username, s.opts.ClientID, "")
	return s.issueAccessLocked(g), g.refresh
}

// SetAccessLifetime sets the lifetime of access tokens issued from now on.
func (s *Server) SetAccessLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// ExpireAll makes every access token issued so far expired: introspection
// answers inactive for them. Refresh tokens keep working.
func (s *Server) ExpireAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := time.Now().Add(-time.Second)
	for _, a := range s.access {
		a.expires = past
	}
}

// Revoke revokes the grant refreshToken belongs to (it may be the current
// refresh token or an earlier, rotated one): its refresh token is refused
// with invalid_grant and its access tokens become inactive, as when a user
// withdraws consent or an administrator revokes sessions. It reports whether
// the token was known.
func (s *Server) Revoke(refreshToken string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.refresh[refreshToken]
	if ok {
		g.revoked = true
	}
	return ok
}

// RevokeUser revokes every grant of username (see Revoke), and returns how
// many there were.
func (s *Server) RevokeUser(username string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, g := range s.grants {
		if g.username == username && !g.revoked {
			g.revoked = true
			n++
		}
	}
	return n
}

// FailTokens makes the token endpoint answer every request with the HTTP
// status and OAuth error code given (e.g. 503 and "temporarily_unavailable"),
// as an outage would; status 0 ends it.
func (s *Server) FailTokens(status int, errorCode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failStatus, s.failCode = status, errorCode
}

// RefreshToken returns the current refresh token of username's newest live
// grant, or "" when there is none.
func (s *Server) RefreshToken(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var newest *grant
	for _, g := range s.grants {
		if g.username == username && !g.revoked && (newest == nil || g.seq > newest.seq) {
			newest = g
		}
	}
	if newest == nil {
		return ""
	}
	return newest.refresh
}

// Refreshes returns how many refresh_token grants succeeded.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

// FailedRefreshes returns how many refresh_token grants were refused.
func (s *Server) FailedRefreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failedRefresh
}

// Introspections returns how many introspection requests were answered.
func (s *Server) Introspections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.introspections
}

// Active reports whether accessToken is currently valid.
func (s *Server) Active(accessToken string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.activeLocked(accessToken)
	return ok
}

// activeLocked returns the grant of a live access token.
func (s *Server) activeLocked(accessToken string) (*access, bool) {
	a, ok := s.access[accessToken]
	if !ok || a.grant.revoked || !time.Now().Before(a.expires) {
		return nil, false
	}
	return a, true
}

// newGrantLocked records a grant with a first refresh token.
func (s *Server) newGrantLocked(username, clientID, scope string) *grant {
	if username == "" {
		username = s.opts.Username
	}
	s.seq++
	g := &grant{
		seq:      s.seq,
		username: username,
		clientID: clientID,
		scope:    scope,
		refresh:  randomString("rt-", 24),
	}
	s.grants = append(s.grants, g)
	s.refresh[g.refresh] = g
	return g
}

// issueAccessLocked issues an access token of g.
func (s *Server) issueAccessLocked(g *grant) string {
	tok := randomString("at-", 24)
	s.access[tok] = &access{grant: g, expires: time.Now().Add(s.lifetimeLocked())}
	return tok
}

// lifetimeLocked is the access lifetime rounded up to whole seconds.
func (s *Server) lifetimeLocked() time.Duration {
	d := s.lifetime
	if d <= 0 {
		return time.Second
	}
	return (d + time.Second - 1).Truncate(time.Second)
}

// randomString returns prefix and n random bytes in hex.
func randomString(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + hex.EncodeToString(b)
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers an OAuth error (RFC 6749 section 5.2).
func writeError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// clientOK checks the client's identity on a token or device request and
// returns its client_id.
func (s *Server) clientOK(r *http.Request) (string, bool) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if s.opts.ClientID != "" && id != s.opts.ClientID {
		return id, false
	}
	if s.opts.ClientSecret != "" && secret != s.opts.ClientSecret {
		return id, false
	}
	return id, true
}

// scopeOf returns the space-separated scope of a request.
func scopeOf(r *http.Request) string {
	return strings.Join(strings.Fields(r.FormValue("scope")), " ")
}
