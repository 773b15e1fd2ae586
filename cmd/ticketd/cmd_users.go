package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/mdp/qrterminal/v3"

	"github.com/ticketd/ticketd/accounts"
	"github.com/ticketd/ticketd/internal/terminal"
	"github.com/ticketd/ticketd/store"
)

// usersFlags is "ticketd users SUBCOMMAND": the accounts of the web
// console. It needs only the [store] part of the configuration.
func usersFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	operator := fs.String("operator", defaultOperator(), "operator `name` recorded in the event log")
	roleFlag := fs.String("role", "", "`role` of the new user (users add): operator, auditor or admin")
	asJSON := fs.Bool("json", false, "print JSON (users list)")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 {
			return usageError{"want a subcommand: add, list, disable, passwd, totp or token"}
		}
		sub, args := args[0], args[1:]
		if sub == "list" {
			if err := wantArgs(args, 0, ""); err != nil {
				return err
			}
		} else if err := wantArgs(args, 1, "one user name"); err != nil {
			return err
		}
		if sub != "add" && *roleFlag != "" {
			return usageError{"-role is for users add only"}
		}
		if sub != "list" && *asJSON {
			return usageError{"-json is for users list only"}
		}
		var role accounts.Role
		switch sub {
		case "list", "disable", "passwd", "totp", "token":
		case "add":
			if *roleFlag == "" {
				return usageError{"-role is required: operator, auditor or admin"}
			}
			role = accounts.Role(*roleFlag)
			if !role.Valid() {
				return usageError{fmt.Sprintf("-role %q: want operator, auditor or admin", *roleFlag)}
			}
			if err := accounts.CheckName(args[0]); err != nil {
				return usageError{err.Error()}
			}
		default:
			return usageError{fmt.Sprintf("unknown subcommand %q; want add, list, disable, passwd, totp or token", sub)}
		}
		if err := needOperator(*operator, ""); err != nil && sub != "list" {
			return err
		}
		db, err := openConfigured(ctx, *config)
		if err != nil {
			return err
		}
		defer db.Close()
		u := usersCommand{env: e, db: db, svc: &accounts.Service{Store: db}, actor: "cli:" + *operator}
		if sub == "list" {
			return u.list(ctx, *asJSON)
		}
		name := args[0]
		err = u.do(ctx, sub, name, role)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user %s", name)
		}
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("user %s already exists", name)
		}
		if errors.Is(err, store.ErrDisabled) {
			return fmt.Errorf("user %s is disabled", name)
		}
		return err
	}
}

// usersCommand runs the users subcommands.
type usersCommand struct {
	env   *env
	db    *store.DB
	svc   *accounts.Service
	actor string
}

func (u usersCommand) do(ctx context.Context, sub, name string, role accounts.Role) error {
	switch sub {
	case "add":
		if _, err := u.db.User(ctx, name); !errors.Is(err, store.ErrNotFound) {
			return store.ErrExists // before asking for a password in vain
		}
		pw, err := readPassword(u.env, name)
		if err != nil {
			return err
		}
		if _, err := u.svc.Add(ctx, name, role, pw, u.actor); err != nil {
			return err
		}
		fmt.Fprintf(u.env.stdout, "added %s (%s)\n", name, role)
	case "passwd":
		if _, err := u.db.User(ctx, name); err != nil {
			return err
		}
		pw, err := readPassword(u.env, name)
		if err != nil {
			return err
		}
		if err := u.svc.SetPassword(ctx, name, pw, u.actor); err != nil {
			return err
		}
		fmt.Fprintf(u.env.stdout, "password of %s changed\n", name)
	case "disable":
		if err := u.svc.Disable(ctx, name, u.actor); err != nil {
			return err
		}
		fmt.Fprintf(u.env.stdout, "disabled %s; their sessions and API tokens are revoked\n", name)
	case "totp":
		en, err := u.svc.EnrolTOTP(ctx, name, u.actor)
		if err != nil {
			return err
		}
		printEnrolment(u.env.stdout, en)
	case "token":
		tok, err := u.svc.IssueToken(ctx, name, u.actor)
		if err != nil {
			return err
		}
		fmt.Fprintf(u.env.stdout, "%s\n", tok)
		fmt.Fprintf(u.env.stderr, "API token for %s: shown only now, only its hash is stored. Send it as \"Authorization: Bearer TOKEN\".\n", name)
	}
	return nil
}

// printEnrolment shows a TOTP enrolment once: the otpauth URI, the same
// as a QR code of half blocks (characters, not escape sequences, so it
// passes the terminal writer unchanged), and the secret for apps that
// take it typed.
func printEnrolment(w io.Writer, en accounts.Enrolment) {
	fmt.Fprintf(w, "%s\n\n", en.URI)
	qrterminal.GenerateHalfBlock(en.URI, qrterminal.L, w)
	fmt.Fprintf(w, "\nScan the code with an authenticator app, or enter the secret %s.\n", en.Secret)
	fmt.Fprintln(w, "It is shown only now; running \"ticketd users totp\" again replaces it.")
}

func (u usersCommand) list(ctx context.Context, asJSON bool) error {
	us, err := u.db.Users(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		if us == nil {
			us = []store.User{}
		}
		return writeJSON(u.env.stdout, us)
	}
	tw := tabwriter.NewWriter(u.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tTOTP\tSTATE\tCREATED")
	for _, x := range us {
		state, totp := "active", "no"
		if x.Disabled {
			state = "disabled"
		}
		if x.HasTOTP {
			totp = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", terminal.EscapeLine(x.Name), x.Role, totp, state,
			x.CreatedAt.Local().Format(time.DateTime))
	}
	return tw.Flush()
}
