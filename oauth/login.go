package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// Flow is how Login asks the operator to sign in.
type Flow string

// The flows.
const (
	// FlowDevice is the device authorization grant (RFC 8628): the
	// operator opens a URL anywhere and types a code.
	FlowDevice Flow = "device"
	// FlowCode is the authorization code grant with PKCE (RFC 7636) and a
	// loopback redirect (RFC 8252 section 7.3): the operator opens a URL
	// in a browser on the machine that runs the login.
	FlowCode Flow = "code"
)

// LoginOptions configure Login; every field may be left zero.
type LoginOptions struct {
	// Flow is the flow; "": FlowDevice when the Config has a DeviceURL,
	// else FlowCode.
	Flow Flow
	// Out is where the URL (and the code) to open are written; nil:
	// io.Discard.
	Out io.Writer
	// Client makes the requests to the server; nil: http.DefaultClient.
	Client *http.Client
	// Listen is the loopback address of the code flow's redirect
	// listener; "": 127.0.0.1 on a free port. The server must accept
	// http://127.0.0.1:<port>/callback as a redirect URI (any port, as
	// RFC 8252 asks of it, or the one given here).
	Listen string
}

// Token is what a login obtained.
type Token struct {
	RefreshToken string
	AccessToken  string
	Expiry       time.Time // zero: not said
}

// Login runs a flow for c until the operator signs in, ctx ends or the
// server refuses, and returns the token; it fails when the server gives no
// refresh token (ask for the scope offline_access).
func Login(ctx context.Context, c Config, o *LoginOptions) (Token, error) {
	var opts LoginOptions
	if o != nil {
		opts = *o
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Flow == "" {
		opts.Flow = FlowCode
		if c.DeviceURL != "" {
			opts.Flow = FlowDevice
		}
	}
	ctx = withClient(ctx, opts.Client)
	var tok *oauth2.Token
	var err error
	switch opts.Flow {
	case FlowDevice:
		tok, err = loginDevice(ctx, c, opts.Out)
	case FlowCode:
		tok, err = loginCode(ctx, c, opts)
	default:
		return Token{}, fmt.Errorf("oauth: login: unknown flow %q (device or code)", opts.Flow)
	}
	if err != nil {
		return Token{}, err
	}
	if tok.RefreshToken == "" {
		return Token{}, errors.New("oauth: login: the server gave no refresh token (add offline_access to oauth_scopes?)")
	}
	return Token{RefreshToken: tok.RefreshToken, AccessToken: tok.AccessToken, Expiry: tok.Expiry}, nil
}

// loginDevice runs the device authorization grant.
func loginDevice(ctx context.Context, c Config, out io.Writer) (*oauth2.Token, error) {
	if c.DeviceURL == "" {
		return nil, errors.New("oauth: device login: no device authorization endpoint (oauth_device_url)")
	}
	conf := c.oauth2Config()
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		return nil, fmt.Errorf("oauth: device login: %w", err)
	}
	fmt.Fprintf(out, "Open %s and enter the code %s\n", da.VerificationURI, da.UserCode)
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(out, "(or open %s)\n", da.VerificationURIComplete)
	}
	fmt.Fprintln(out, "Waiting for the sign-in…")
	tok, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		return nil, fmt.Errorf("oauth: device login: %w", err)
	}
	return tok, nil
}

// loginCode runs the authorization code grant with PKCE, receiving the
// code on a loopback listener.
func loginCode(ctx context.Context, c Config, opts LoginOptions) (*oauth2.Token, error) {
	if c.AuthURL == "" {
		return nil, errors.New("oauth: code login: no authorization endpoint (oauth_auth_url)")
	}
	addr := opts.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("oauth: code login: listen for the redirect: %w", err)
	}
	defer ln.Close()
	conf := c.oauth2Config()
	conf.RedirectURL = fmt.Sprintf("http://%s/callback", ln.Addr())
	state := randomString()
	verifier := oauth2.GenerateVerifier()

	type result struct {
		code string
		err  error
	}
	got := make(chan result, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var res result
		switch {
		case q.Get("state") != state:
			http.Error(w, "This is not the sign-in ticketd started.", http.StatusBadRequest)
			return
		case q.Get("error") != "":
			res.err = fmt.Errorf("oauth: code login: the server refused: %s %s", q.Get("error"), truncate(q.Get("error_description"), 200))
		case q.Get("code") == "":
			res.err = errors.New("oauth: code login: the redirect has no code")
		default:
			res.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if res.err != nil {
			fmt.Fprintf(w, "<p>Sign-in failed: %s</p>", html.EscapeString(res.err.Error()))
		} else {
			fmt.Fprint(w, "<p>Signed in. You may close this page and return to the terminal.</p>")
		}
		select {
		case got <- res:
		default:
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	fmt.Fprintf(opts.Out, "Open this address in a browser on this machine and sign in:\n%s\n",
		conf.AuthCodeURL(state, oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier)))
	fmt.Fprintln(opts.Out, "Waiting for the sign-in…")
	var res result
	select {
	case res = <-got:
	case <-ctx.Done():
		return nil, fmt.Errorf("oauth: code login: %w", ctx.Err())
	}
	if res.err != nil {
		return nil, res.err
	}
	tok, err := conf.Exchange(ctx, res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("oauth: code login: exchange the code: %w", err)
	}
	return tok, nil
}

// randomString is 128 random bits, for the state parameter.
func randomString() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
