package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
)

func statusFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	operator := fs.String("operator", defaultOperator(), "operator `name` recorded in the event log")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 2, "a ticket number and a status (new, in_progress, waiting_for_citizen, answered, closed)"); err != nil {
			return err
		}
		status := store.Status(args[1])
		if !status.Valid() {
			return usageError{fmt.Sprintf("unknown status %q; want new, in_progress, waiting_for_citizen, answered or closed", args[1])}
		}
		if err := needOperator(*operator, ""); err != nil {
			return err
		}
		db, err := openConfigured(ctx, *config)
		if err != nil {
			return err
		}
		defer db.Close()
		op := &replies.Operator{Tickets: db}
		err = op.SetStatus(ctx, strings.ToUpper(args[0]), 0, status, *operator)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no ticket %s", strings.ToUpper(args[0]))
		}
		return err
	}
}
