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

// priorityFlags is "ticketd priority TKT-000123 high|normal -reason TEXT":
// the operator's change of priority, the action the console's form takes
// (replies.Operator.SetPriority), recorded with its reason in the event
// priority.changed. The deadline of a ticket waiting for an answer moves
// to the start of its clock plus the [sla] window of the new priority
// (store.DB.SetPriority); the new one is printed.
func priorityFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	operator := fs.String("operator", defaultOperator(), "operator `name` recorded in the event log")
	reason := fs.String("reason", "", "why the priority changes (required), recorded with the change; starting it with access_loss or data_leak says which (\"ticketd triage learn\" reads it)")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 2, "a ticket number and a priority (high or normal)"); err != nil {
			return err
		}
		p := store.Priority(strings.ToLower(args[1]))
		if !p.Valid() {
			return usageError{fmt.Sprintf("unknown priority %q; want high or normal", args[1])}
		}
		if err := needOperator(*operator, ""); err != nil {
			return err
		}
		if strings.TrimSpace(*reason) == "" {
			return usageError{"-reason is required: the event priority.changed records why the priority changed"}
		}
		cfg, err := LoadConfig(*config, PartStore|PartTemplates|PartDaemon)
		if err != nil {
			return err
		}
		db, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		db.Windows = windows(cfg)
		number := strings.ToUpper(args[0])
		op := &replies.Operator{Tickets: db}
		err = op.SetPriority(ctx, number, 0, p, *reason, *operator)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no ticket %s", number)
		}
		if err != nil {
			return err
		}
		t, err := db.Ticket(ctx, number)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s: priority %s, %s, due %s\n", t.Number, t.Priority, t.Status, dueIn(t.DueAt, cfg.Templates.Location))
		return err
	}
}
