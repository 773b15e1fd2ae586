package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ticketd/ticketd/oauth"
	"github.com/ticketd/ticketd/store"
)

// oauthCommands are the subcommands of "ticketd oauth".
func oauthCommands() []command {
	return []command{
		{"login", "", "sign a mailbox (-mailbox NAME; the only one when omitted) or the SMTP server (-smtp) in with OAuth2, once, from a terminal: -flow device (the default when oauth_device_url is set) or code; the refresh token is stored, sealed when store.key_file is set", oauthLoginFlags},
		{"status", "", "list the OAuth2 accounts: token present, access expiry, last refresh, last failure; exit status 1 when one needs attention", oauthStatusFlags},
	}
}

// oauthLoginFlags is "ticketd oauth login".
func oauthLoginFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	mailbox := fs.String("mailbox", "", "the mailbox `name` ([[mailbox]] name, or [imap] mailbox); the only OAuth2 mailbox when omitted")
	smtp := fs.Bool("smtp", false, "sign the [smtp] server's account in instead of a mailbox")
	flow := fs.String("flow", "", "`device` (type a code on any device) or code (a browser on this machine); default device when oauth_device_url is set")
	listen := fs.String("listen", "", "the code flow's redirect listener, `host:port` on the loopback interface; default 127.0.0.1 on a free port")
	operator := fs.String("operator", defaultOperator(), "operator `name` recorded in the event log")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		if *smtp && *mailbox != "" {
			return usageError{"-mailbox and -smtp: one account at a time"}
		}
		if *flow != "" && *flow != string(oauth.FlowDevice) && *flow != string(oauth.FlowCode) {
			return usageError{fmt.Sprintf("-flow %q: want device or code", *flow)}
		}
		if err := needOperator(*operator, "the login is recorded in the event log"); err != nil {
			return err
		}
		cfg, err := LoadConfig(*config, PartStore|PartMailbox|PartSMTP)
		if err != nil {
			return err
		}
		acct, err := pickOAuthAccount(cfg, *mailbox, *smtp)
		if err != nil {
			return err
		}
		if acct.Client.DeviceURL == "" && acct.Client.AuthURL == "" {
			return &ConfigError{File: *config, Key: acct.Section + ".oauth_device_url",
				Problem: "a login needs oauth_device_url (device code) or oauth_auth_url (authorization code)"}
		}
		db, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		fmt.Fprintf(e.stdout, "Signing in %s (%s)\n", acct.Name, acct.Section)
		tok, err := oauth.Login(ctx, acct.Client, &oauth.LoginOptions{Flow: oauth.Flow(*flow), Out: e.stdout, Listen: *listen})
		if err != nil {
			return err
		}
		if err := db.SaveOAuthLogin(ctx, acct.Name, store.OAuthToken{RefreshToken: tok.RefreshToken, AccessExpiry: tok.Expiry},
			"cli:"+*operator); err != nil {
			return err
		}
		sealed := "stored unencrypted (store.key_file is not set)"
		if cfg.Store.KeyFile != "" {
			sealed = "stored sealed"
		}
		fmt.Fprintf(e.stdout, "Signed in: the refresh token of %s is %s; a running ticketd uses it at its next refresh.\n", acct.Name, sealed)
		return nil
	}
}

// pickOAuthAccount is the account "ticketd oauth login" signs in.
func pickOAuthAccount(cfg Config, mailbox string, smtp bool) (oauthAccount, error) {
	accts := cfg.oauthAccounts(PartMailbox | PartSMTP)
	var mailboxes []oauthAccount
	for _, a := range accts {
		switch {
		case smtp && a.Name == smtpAccount:
			return a, nil
		case !smtp && a.Mailbox != "" && a.Mailbox == mailbox:
			return a, nil
		case a.Mailbox != "":
			mailboxes = append(mailboxes, a)
		}
	}
	switch {
	case smtp:
		return oauthAccount{}, errors.New(`[smtp] does not log in with OAuth2 (auth = "oauth2")`)
	case mailbox != "":
		return oauthAccount{}, fmt.Errorf(`no mailbox %q logs in with OAuth2 (auth = "oauth2")`, mailbox)
	case len(mailboxes) == 1:
		return mailboxes[0], nil
	case len(mailboxes) == 0:
		return oauthAccount{}, errors.New(`no mailbox logs in with OAuth2 (auth = "oauth2"); -smtp for the SMTP server`)
	}
	return oauthAccount{}, usageError{"several mailboxes log in with OAuth2: name one with -mailbox NAME"}
}

// oauthStatusFlags is "ticketd oauth status".
func oauthStatusFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		cfg, err := LoadConfig(*config, PartStore|PartMailbox|PartSMTP|PartTemplates)
		if err != nil {
			return err
		}
		db, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		toks, err := db.OAuthTokens(ctx)
		if err != nil {
			return err
		}
		bad := printOAuthStatus(e, cfg, toks, time.Now())
		if bad > 0 {
			return fmt.Errorf("%d OAuth2 account(s) need attention: ticketd oauth login", bad)
		}
		return nil
	}
}

// printOAuthStatus writes a line per configured account (and per stored
// account no longer configured), and returns how many configured ones
// have no token or a failed refresh.
func printOAuthStatus(e *env, cfg Config, toks []store.OAuthToken, now time.Time) int {
	stored := make(map[string]store.OAuthToken, len(toks))
	for _, t := range toks {
		stored[t.Account] = t
	}
	loc := cfg.Templates.Location
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format("2006-01-02 15:04 MST")
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ACCOUNT\tSECTION\tTOKEN\tACCESS EXPIRES\tLAST REFRESH\tLAST FAILURE")
	bad := 0
	seen := map[string]bool{}
	for _, a := range cfg.oauthAccounts(PartMailbox | PartSMTP) {
		seen[a.Name] = true
		t, ok := stored[a.Name]
		if !ok {
			bad++
			fmt.Fprintf(w, "%s\t%s\tnone: run ticketd oauth login\t-\t-\t-\n", a.Name, a.Section)
			continue
		}
		failure := "-"
		if t.Failure != "" {
			bad++
			failure = when(t.FailedAt) + ": " + t.Failure
		}
		fmt.Fprintf(w, "%s\t%s\tpresent\t%s\t%s\t%s\n", a.Name, a.Section, expiry(t.AccessExpiry, now, when), when(t.RefreshedAt), failure)
	}
	for _, t := range toks {
		if !seen[t.Account] {
			fmt.Fprintf(w, "%s\t(not configured)\tpresent\t%s\t%s\t%s\n", t.Account, expiry(t.AccessExpiry, now, when), when(t.RefreshedAt), or(t.Failure, "-"))
		}
	}
	w.Flush()
	return bad
}

// expiry writes when an access token expires, saying so when it has.
func expiry(t, now time.Time, when func(time.Time) string) string {
	if !t.IsZero() && !t.After(now) {
		return when(t) + " (expired)"
	}
	return when(t)
}
