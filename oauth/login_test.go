package oauth

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/internal/oauthtest"
)

// loginLines runs Login in a goroutine, handing each line it writes to
// the test; it returns the channels of lines and of the result.
func loginLines(ctx context.Context, c Config, flow Flow) (<-chan string, <-chan loginResult) {
	pr, pw := io.Pipe()
	lines := make(chan string, 16)
	done := make(chan loginResult, 1)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	go func() {
		tok, err := Login(ctx, c, &LoginOptions{Flow: flow, Out: pw})
		pw.Close()
		done <- loginResult{tok, err}
	}()
	return lines, done
}

type loginResult struct {
	tok Token
	err error
}

func TestLoginDevice(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := oauthtest.Start(t, &oauthtest.Options{ClientID: "ticketd"})
	c := Config{TokenURL: srv.TokenURL, DeviceURL: srv.DeviceURL, ClientID: "ticketd", Scopes: []string{"mail", "offline_access"}}
	lines, done := loginLines(ctx, c, "") // the default with a DeviceURL
	first := <-lines
	codes := srv.PendingUserCodes()
	if len(codes) != 1 || !strings.Contains(first, codes[0]) || !strings.Contains(first, srv.URL) {
		t.Fatalf("first line %q, pending codes %q: want the URL and the code", first, codes)
	}
	if err := srv.Approve(codes[0]); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil {
		t.Fatalf("Login = %v", res.err)
	}
	if res.tok.RefreshToken != srv.RefreshToken(oauthtest.DefaultUsername) || !srv.Active(res.tok.AccessToken) || res.tok.Expiry.IsZero() {
		t.Errorf("Login = %+v, want the grant's tokens", res.tok)
	}
}

func TestLoginDeviceDenied(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := oauthtest.Start(t, nil)
	lines, done := loginLines(ctx, Config{TokenURL: srv.TokenURL, DeviceURL: srv.DeviceURL, ClientID: "x"}, FlowDevice)
	<-lines
	if err := srv.Deny(srv.PendingUserCodes()[0]); err != nil {
		t.Fatal(err)
	}
	if res := <-done; res.err == nil || !strings.Contains(res.err.Error(), "access_denied") {
		t.Errorf("Login denied = %+v, want access_denied", res)
	}
}

// browse plays the operator's browser: it opens the address Login printed
// and follows the redirect to Login's listener.
func browse(t *testing.T, lines <-chan string) *http.Response {
	t.Helper()
	for line := range lines {
		if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
			resp, err := http.Get(line)
			if err != nil {
				t.Fatalf("browser: %v", err)
			}
			resp.Body.Close()
			return resp
		}
	}
	t.Fatal("Login printed no address to open")
	return nil
}

func TestLoginCode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := oauthtest.Start(t, &oauthtest.Options{ClientID: "ticketd", ClientSecret: "s3cret"})
	c := Config{TokenURL: srv.TokenURL, AuthURL: srv.AuthorizeURL, ClientID: "ticketd", ClientSecret: "s3cret", Scopes: []string{"offline_access"}}
	lines, done := loginLines(ctx, c, "") // the default without a DeviceURL
	if resp := browse(t, lines); resp.StatusCode != http.StatusOK {
		t.Errorf("the redirect page answered %s", resp.Status)
	}
	res := <-done
	if res.err != nil {
		t.Fatalf("Login = %v", res.err)
	}
	if res.tok.RefreshToken != srv.RefreshToken(oauthtest.DefaultUsername) || !srv.Active(res.tok.AccessToken) {
		t.Errorf("Login = %+v, want the grant's tokens", res.tok)
	}
}

func TestLoginCodeDenied(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := oauthtest.Start(t, nil)
	srv.SetAuthorize(false)
	lines, done := loginLines(ctx, Config{TokenURL: srv.TokenURL, AuthURL: srv.AuthorizeURL, ClientID: "x"}, FlowCode)
	browse(t, lines)
	if res := <-done; res.err == nil || !strings.Contains(res.err.Error(), "access_denied") {
		t.Errorf("Login denied = %+v, want access_denied", res)
	}
}

func TestLoginWrongState(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := oauthtest.Start(t, nil)
	lines, done := loginLines(ctx, Config{TokenURL: srv.TokenURL, AuthURL: srv.AuthorizeURL, ClientID: "x"}, FlowCode)
	var addr string
	for line := range lines {
		if strings.HasPrefix(line, "http://") {
			addr = line
			break
		}
	}
	// A forged redirect to the listener, with another state: refused, and
	// the login goes on waiting.
	redirect := addr[strings.Index(addr, "redirect_uri=")+len("redirect_uri="):]
	redirect = redirect[:strings.IndexByte(redirect+"&", '&')]
	redirect = strings.NewReplacer("%3A", ":", "%2F", "/").Replace(redirect)
	resp, err := http.Get(redirect + "?code=forged&state=other")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged redirect answered %s, want 400", resp.Status)
	}
	cancel()
	if res := <-done; res.err == nil {
		t.Errorf("Login after a forged redirect and cancel = %+v, want an error", res)
	}
}

func TestLoginNeedsAnEndpoint(t *testing.T) {
	for _, flow := range []Flow{FlowDevice, FlowCode, "magic"} {
		if _, err := Login(context.Background(), Config{TokenURL: "http://127.0.0.1:9/token", ClientID: "x"}, &LoginOptions{Flow: flow}); err == nil {
			t.Errorf("Login(%s) without its endpoint succeeded", flow)
		}
	}
}
