package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/ticketd/ticketd/store"
)

func keygenFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, store.NewKey())
		return nil
	}
}
