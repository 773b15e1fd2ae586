package applications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ticketd/ticketd/internal/backoff"
)

// Defaults of HTTPOptions.
const (
	DefaultTimeout = 5 * time.Second // each attempt
	DefaultRetries = 2               // attempts after the first
	DefaultMaxBody = 64 << 10        // bytes of an answer
	DefaultMinWait = 200 * time.Millisecond
	DefaultMaxWait = 2 * time.Second
)

// Placeholder is what an HTTP register's URL holds where the number goes.
const Placeholder = "{number}"

// HTTPOptions are the settings of an HTTP register. A nil *HTTPOptions
// means every default; in one given, a zero Timeout, MaxBody, MinWait or
// MaxWait takes its default, and Retries is taken as given (0: one attempt
// only).
type HTTPOptions struct {
	Client  *http.Client  // nil: a client of its own
	Timeout time.Duration // for each attempt, reading the answer included; default DefaultTimeout
	Retries int           // attempts after the first, on a network error, a timeout, 429 or 5xx
	MaxBody int64         // a longer answer is an error; default DefaultMaxBody
	// MinWait and MaxWait bound the wait between attempts, which doubles
	// from MinWait up to MaxWait, less up to a fifth at random.
	MinWait, MaxWait time.Duration
}

// HTTP is a register in the agency's system, asked over HTTP: Lookup
// GETs the URL with the number, escaped, in place of {number}, and reads
// a JSON object {"status": "in_progress"|"approved"|"rejected", "email":
// "..."} from a 200 answer (other members are ignored); 404 is ErrUnknown.
// Anything else is an error: another status code, an answer that is not
// such an object, a status not among the three, an empty email, an answer
// longer than MaxBody.
type HTTP struct {
	template string // the URL with {number}
	inQuery  bool   // {number} is in the query: escaped as a query value
	where    string // the URL as errors name it: no credentials, no query
	client   *http.Client
	opts     HTTPOptions
}

// NewHTTP returns the register at rawURL, an http or https URL holding
// {number}.
func NewHTTP(rawURL string, opts *HTTPOptions) (*HTTP, error) {
	o := HTTPOptions{Retries: DefaultRetries}
	if opts != nil {
		o = *opts
	}
	o.Timeout = orDefault(o.Timeout, DefaultTimeout)
	o.MaxBody = orDefault(o.MaxBody, DefaultMaxBody)
	o.MinWait = orDefault(o.MinWait, DefaultMinWait)
	o.MaxWait = max(orDefault(o.MaxWait, DefaultMaxWait), o.MinWait)
	if o.Retries < 0 {
		return nil, fmt.Errorf("applications: %d retries", o.Retries)
	}
	at := strings.Index(rawURL, Placeholder)
	if at < 0 {
		return nil, fmt.Errorf("applications: URL has no %s", Placeholder)
	}
	u, err := url.Parse(strings.ReplaceAll(rawURL, Placeholder, "0"))
	if err != nil {
		return nil, fmt.Errorf("applications: URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("applications: URL: want http:// or https:// and a host")
	}
	if u.Fragment != "" || strings.Contains(rawURL, "#") {
		return nil, errors.New("applications: URL: a fragment is never sent")
	}
	client := o.Client
	if client == nil {
		client = &http.Client{}
	}
	q := strings.IndexByte(rawURL, '?')
	return &HTTP{template: rawURL, inQuery: q >= 0 && q < at, where: describeURL(rawURL), client: client, opts: o}, nil
}

// describeURL is rawURL as errors name it: scheme, host and path, without
// the credentials or the query that may hold a key.
func describeURL(rawURL string) string {
	u, err := url.Parse(strings.ReplaceAll(rawURL, Placeholder, "NUMBER"))
	if err != nil {
		return "the register"
	}
	return strings.ReplaceAll(u.Scheme+"://"+u.Host+u.EscapedPath(), "NUMBER", Placeholder)
}

// Lookup asks the register for the application numbered number.
func (h *HTTP) Lookup(ctx context.Context, number string) (Application, error) {
	if err := checkNumber(number); err != nil {
		return Application{}, err
	}
	escaped := url.PathEscape(number)
	if h.inQuery {
		escaped = url.QueryEscape(number)
	}
	target := strings.ReplaceAll(h.template, Placeholder, escaped)
	wait := backoff.New(h.opts.MinWait, h.opts.MaxWait)
	wait.Jitter = true
	attempts := h.opts.Retries + 1
	for i := 1; ; i++ {
		app, err := h.attempt(ctx, target)
		switch {
		case err == nil:
			app.Number = number
			return app, nil
		case errors.Is(err, ErrUnknown):
			return Application{}, err
		}
		var p permanent
		if errors.As(err, &p) || i == attempts || ctx.Err() != nil {
			return Application{}, h.failed(i, err)
		}
		if !backoff.Sleep(ctx, wait.Next()) {
			return Application{}, h.failed(i, fmt.Errorf("%w (while waiting to try again)", ctx.Err()))
		}
	}
}

// failed is the error of a lookup whose attempt n failed with err.
func (h *HTTP) failed(n int, err error) error {
	if n == 1 {
		return fmt.Errorf("applications: GET %s: %w", h.where, err)
	}
	return fmt.Errorf("applications: GET %s: %d attempts, the last: %w", h.where, n, err)
}

// permanent is a failure that trying again will not mend.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// attempt asks once, within the per-attempt timeout.
func (h *HTTP) attempt(parent context.Context, target string) (Application, error) {
	ctx, cancel := context.WithTimeout(parent, h.opts.Timeout)
	defer cancel()
	// bare is a client's error without the URL it names, which holds the
	// number; a timeout of the attempt says so.
	bare := func(err error) error {
		if ctx.Err() != nil && parent.Err() == nil {
			return fmt.Errorf("no answer within %v", h.opts.Timeout)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			return ue.Err
		}
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return Application{}, permanent{errors.New("cannot make the request")}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ticketd")
	resp, err := h.client.Do(req)
	if err != nil {
		return Application{}, bare(err)
	}
	defer resp.Body.Close()
	switch code := resp.StatusCode; {
	case code == http.StatusNotFound:
		return Application{}, ErrUnknown
	case code == http.StatusTooManyRequests || code >= 500:
		return Application{}, fmt.Errorf("HTTP %s", resp.Status)
	case code != http.StatusOK:
		return Application{}, permanent{fmt.Errorf("HTTP %s", resp.Status)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, h.opts.MaxBody+1))
	if err != nil {
		return Application{}, fmt.Errorf("read the answer: %w", bare(err))
	}
	if int64(len(body)) > h.opts.MaxBody {
		return Application{}, permanent{fmt.Errorf("answer longer than %d bytes", h.opts.MaxBody)}
	}
	app, err := decodeAnswer(body)
	if err != nil {
		return Application{}, permanent{err}
	}
	return app, nil
}

// answer is the register's JSON answer.
type answer struct {
	Status *string `json:"status"`
	Email  *string `json:"email"`
}

// decodeAnswer reads the register's answer about one application. Its
// errors quote nothing of it but a status value that is not one of the
// three, cut short.
func decodeAnswer(body []byte) (Application, error) {
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return Application{}, fmt.Errorf("answer is not JSON: at byte %d", se.Offset)
		case errors.As(err, &te):
			return Application{}, fmt.Errorf("answer is not an object of strings status and email: %s is a JSON %s", orWhole(te.Field), te.Value)
		}
		return Application{}, errors.New("answer is not a JSON object")
	}
	switch {
	case a.Status == nil:
		return Application{}, errors.New("answer has no status")
	case !Status(*a.Status).Valid():
		return Application{}, fmt.Errorf("answer has status %q, want in_progress, approved or rejected", cut(*a.Status, 32))
	case a.Email == nil || strings.TrimSpace(*a.Email) == "":
		return Application{}, errors.New("answer has no email")
	}
	return Application{Status: Status(*a.Status), Email: strings.TrimSpace(*a.Email)}, nil
}

func orWhole(field string) string {
	if field == "" {
		return "the answer"
	}
	return field
}

// cut is s cut to n bytes on a character boundary, with "…" when cut.
func cut(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func orDefault[T int64 | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
