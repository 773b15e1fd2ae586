package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/ticketd/ticketd/internal/terminal"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2 // bad command line or configuration
)

// command is one ticketd subcommand.
type command struct {
	name    string
	args    string // positional arguments, for the usage line
	summary string
	// flags declares the command's flags and returns what runs it; nil
	// for a command made of subcommands (see subcommands).
	flags func(fs *flag.FlagSet) func(ctx context.Context, env *env, args []string) error
}

// env is what a command runs with. Both writers escape what could act on a
// terminal (see Main); stdin is read as it is.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// tty is standard error as it is, when it is a terminal; nil
	// otherwise. Progress bars draw on it with carriage returns, which
	// stderr escapes; they print only numbers.
	tty io.Writer
}

func commands() []command {
	return []command{
		{"run", "", "watch the mailbox, create tickets, send answers and serve the web console until stopped", runFlags},
		{"parse", "FILE.eml", "print as JSON what ticketd reads in one letter; touches no server or database", parseFlags},
		{"tickets", "", "list tickets (-overdue: those overdue or due soon, the most late first)", ticketsFlags},
		{"show", "TKT-NNNNNN", "print one ticket with its correspondence; the read is recorded with -operator NAME", showFlags},
		{"export", "TKT-NNNNNN | -sender ADDRESS", "write a ticket, or every ticket of a sender, to a zip archive: -o FILE.zip (recorded as read.export)", exportFlags},
		{"reply", "TKT-NNNNNN", "answer a ticket from a template: -template NAME [-set key=value ...] [-preview]", replyFlags},
		{"status", "TKT-NNNNNN STATUS", "set a ticket's status: new, in_progress, waiting_for_citizen, answered, closed", statusFlags},
		{"priority", "TKT-NNNNNN high|normal", "set a ticket's priority, saying why with -reason TEXT; the deadline follows the [sla] window", priorityFlags},
		{"templates", "", "list the answer templates with their variables", templatesFlags},
		{"users", "add|list|disable|passwd|totp|token [NAME]", "manage the console's accounts: add NAME -role operator|auditor|admin, list, disable NAME, passwd NAME, totp NAME, token NAME", usersFlags},
		{"keygen", "", "print a new key for store.key_file (keep it safe: without it stored letters cannot be read)", keygenFlags},
		{"keys", "rotate|seal-existing", "rotate: replace store.key_file with a new key, re-wrapping the data key; seal-existing: seal what was stored before the key was set; ticketd may run meanwhile", keysFlags},
		{"reindex", "", "rebuild the search index: after store.key_file changed, or an upgrade says so; ticketd may run meanwhile", reindexFlags},
		{"import", "FILE.mbox|MAILDIR", "file a backlog (an mbox file, a Maildir or a directory of .eml files) as tickets, without answering them (-answer: as the daemon answers); a second run files nothing new", importFlags},
		{"purge", "", "remove the correspondence of tickets closed longer ago than [retention] keeps it (-dry-run: list what would go)", purgeFlags},
		{"audit", "COMMAND", "for auditors: verify [-head COUNT:HASH], head, reads, verify-export FILE.zip; \"ticketd audit\" lists them all", nil},
		{"triage", "learn", "retrain the priority model from the built-in letters and operators' priority changes: \"ticketd triage learn [-o FILE]\"", nil},
		{"oauth", "login|status", "sign a mailbox or the SMTP server in with OAuth2 (\"ticketd oauth login\"), or list the accounts' tokens (\"ticketd oauth status\")", nil},
		{"demo", "", "run ticketd and its web console against built-in mail servers seeded with sample letters, until interrupted (-once: print and exit)", demoFlags},
	}
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// Main runs ticketd with args and returns the exit code. Everything it
// prints, to stdout and stderr, goes through a terminal.Writer: tickets,
// letters, log lines and error messages all carry text from citizens'
// letters, and none of it may write escape sequences, C1 or bidirectional
// controls into the operator's terminal. JSON stays valid JSON (see
// writeJSON).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return MainInput(ctx, args, os.Stdin, stdout, stderr)
}

// MainInput is Main reading standard input from stdin: "users add" and
// "users passwd" read a password there when it is not a terminal.
func MainInput(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out, errOut := terminal.NewWriter(stdout), terminal.NewWriter(stderr)
	defer errOut.Flush()
	defer out.Flush()
	e := &env{stdin: stdin, stdout: out, stderr: errOut}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		e.tty = f
	}
	return dispatch(ctx, args, e)
}

// dispatch runs the command args name.
func dispatch(ctx context.Context, args []string, e *env) int {
	stderr := e.stderr
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], e)
		}
	}
	fmt.Fprintf(stderr, "ticketd: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ticketd COMMAND [flags] [args]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"ticketd COMMAND -h\" for a command's flags.")
}

// subcommands are the rows of a command made of subcommands, a table
// like commands(): "ticketd audit verify" runs the row "verify" of
// auditCommands(). nil for other commands.
func subcommands(name string) []command {
	switch name {
	case "audit":
		return auditCommands()
	case "triage":
		return triageCommands()
	case "oauth":
		return oauthCommands()
	}
	return nil
}

func (c command) run(ctx context.Context, args []string, e *env) int {
	if subs := subcommands(c.name); subs != nil {
		return c.runSubcommand(ctx, subs, args, e)
	}
	stderr := e.stderr
	fs := flag.NewFlagSet("ticketd "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	do := c.flags(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: ticketd %s [flags] %s\n\n%s\n\nflags:\n", c.name, c.args, c.summary)
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	err = do(ctx, e, pos)
	var ue usageError
	var ce *ConfigError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ticketd %s: %s\n", c.name, ue.msg)
		fs.Usage()
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(stderr, "ticketd: %s\n", ce)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "ticketd %s: %v\n", c.name, err)
		return exitFail
	}
}

// runSubcommand runs the subcommand of c that args name, with the
// arguments after its name.
func (c command) runSubcommand(ctx context.Context, subs []command, args []string, e *env) int {
	if len(args) > 0 {
		for _, s := range subs {
			if s.name == args[0] {
				s.name = c.name + " " + s.name
				return s.run(ctx, args[1:], e)
			}
		}
	}
	help := len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help")
	switch {
	case len(args) == 0:
		fmt.Fprintf(e.stderr, "ticketd %s: want a subcommand\n", c.name)
	case !help:
		fmt.Fprintf(e.stderr, "ticketd %s: unknown subcommand %q\n", c.name, args[0])
	}
	fmt.Fprintf(e.stderr, "usage: ticketd %s SUBCOMMAND [flags] [args]\n\n%s\n\nsubcommands:\n", c.name, c.summary)
	for _, s := range subs {
		fmt.Fprintf(e.stderr, "  %-10s %s\n", s.name, s.summary)
	}
	fmt.Fprintf(e.stderr, "\nRun \"ticketd %s SUBCOMMAND -h\" for a subcommand's flags.\n", c.name)
	if help {
		return exitOK
	}
	return exitUsage
}

// parseInterspersed parses flags placed before, between or after positional
// arguments, as people type them: "show TKT-000001 -json".
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		rest := fs.Args()
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// configFlag adds the -config flag every command that reads the
// configuration takes.
// needOperator is the usage error of a command that records who acted,
// run with no operator name (-operator, $TICKETD_OPERATOR, $USER); why,
// when given, says what the name is for. nil when there is a name.
func needOperator(name, why string) error {
	if name != "" {
		return nil
	}
	msg := "-operator is required (or set $TICKETD_OPERATOR)"
	if why != "" {
		msg += ": " + why
	}
	return usageError{msg}
}

func configFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("TICKETD_CONFIG")
	if def == "" {
		def = "ticketd.toml"
	}
	return fs.String("config", def, "configuration `file`; $TICKETD_CONFIG sets the default")
}

func wantArgs(args []string, n int, what string) error {
	if len(args) != n {
		if n == 0 {
			return usageError{fmt.Sprintf("unexpected argument %q", strings.Join(args, " "))}
		}
		return usageError{"want " + what}
	}
	return nil
}
