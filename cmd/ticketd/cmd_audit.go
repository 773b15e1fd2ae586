package main

import (
	"context"
	"fmt"
	"io"
)

// auditCommands are the subcommands of "ticketd audit", for auditors:
// each is run as "ticketd audit NAME [flags] [args]", with flags of its
// own.
func auditCommands() []command {
	return []command{
		{"reads", "", "list who read personal data, newest first: -user NAME (cli:NAME for the command line), -ticket TKT-NNNNNN, -n 50", auditReadsFlags},
	}
}

// runAudit runs "ticketd audit SUBCOMMAND args".
func runAudit(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		auditUsage(e.stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range auditCommands() {
		if c.name == args[0] {
			c.name = "audit " + c.name
			return c.run(ctx, args[1:], e)
		}
	}
	fmt.Fprintf(e.stderr, "ticketd audit: unknown subcommand %q\n", args[0])
	auditUsage(e.stderr)
	return exitUsage
}

func auditUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: ticketd audit SUBCOMMAND [flags] [args]\n\nsubcommands:")
	for _, c := range auditCommands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"ticketd audit SUBCOMMAND -h\" for a subcommand's flags.")
}
