package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/redact"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/triage"
	"github.com/ticketd/ticketd/triage/labelled"
)

// triageCommands are the subcommands of "ticketd triage".
func triageCommands() []command {
	return []command{
		{"learn", "", "retrain the priority model on the built-in letters and the operators' priority changes; print cross-validated figures before and after; -o FILE writes the model, for [rules] model (nothing changes otherwise)", triageLearnFlags},
	}
}

func triageLearnFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	out := fs.String("o", "", "write the retrained model to `FILE`; without -o nothing is written")
	builtinOnly := fs.Bool("builtin", false, "train on the built-in letters only: no configuration or store is read")
	operator := fs.String("operator", defaultOperator(), "operator `name` the reads of corrected letters are recorded under")
	folds := fs.Int("k", triage.DefaultFolds, "folds of the cross-validation")
	precision := fs.Float64("precision", triage.DefaultMinPrecision, "the least cross-validated precision the model's threshold keeps")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		if *folds < 2 || *precision <= 0 || *precision > 1 {
			return usageError{"-k must be at least 2 and -precision from 0 to 1"}
		}
		ls, err := labelled.Builtin()
		if err != nil {
			return err
		}
		l := learning{out: e.stdout, base: labelled.Examples(ls), rules: triage.DefaultRules(), k: *folds, precision: *precision}
		if !*builtinOnly {
			if err := needOperator(*operator, "reading the corrected letters is recorded with who read them (or give -builtin)"); err != nil {
				return err
			}
			if err := l.readStore(ctx, *config, cliActor(*operator)); err != nil {
				return err
			}
		}
		m := l.run()
		if *out == "" {
			fmt.Fprintln(e.stdout, "No model written: -o FILE writes it; [rules] model = FILE then puts it to use at the next start.")
			return nil
		}
		if err := writeModel(*out, m); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Wrote %s. Set [rules] model = %q and restart ticketd to use it.\n", *out, *out)
		return nil
	}
}

// learning is one run of "ticketd triage learn".
type learning struct {
	out          io.Writer
	base         []triage.Example // the built-in letters
	corrections  []triage.Example
	rules        *triage.Rules // [rules] file's, or the built-in: they decide first while a model is measured (Fit trains its own)
	k            int
	precision    float64
	liveRules    *triage.Rules // as the daemon runs them, with [rules] model; nil with -builtin
	liveModelSrc string        // which model that is, for people
}

// readStore reads the configured rules and model and the operators'
// corrections, each read recorded under actor.
func (l *learning) readStore(ctx context.Context, config, actor string) error {
	cfg, err := LoadConfig(config, PartStore|PartDaemon)
	if err != nil {
		return err
	}
	if l.liveRules, err = configuredRules(cfg.Rules); err != nil {
		return err
	}
	l.liveModelSrc = "built-in model"
	if cfg.Rules.Model != "" {
		l.liveModelSrc = cfg.Rules.Model
	}
	l.rules = l.liveRules // Fit measures the models it trains, never the rules' own
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	cs, err := db.PriorityCorrections(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.Letter == 0 {
			continue
		}
		if err := db.RecordRead(ctx, store.Read{TicketID: c.TicketID, Actor: actor, What: store.ReadLetter, Detail: fmt.Sprintf("letter %d, for triage learn", c.Letter)}); err != nil {
			return err
		}
		raw, err := db.Raw(ctx, c.Letter)
		if errors.Is(err, store.ErrPurged) {
			continue
		}
		if err != nil {
			return err
		}
		letter, _ := mailparse.Parse(raw, nil) // never nil; what could be read is what triage read
		subject, text := l.anonymised(letter.Subject, letter.OwnWords())
		l.corrections = append(l.corrections, triage.Example{
			Name: c.Ticket, Subject: subject, Text: text,
			Priority: triage.Priority(c.Priority), Reason: correctedReason(c),
		})
	}
	return nil
}

// anonymised returns a corrected letter's subject and text without the
// personal data triage finds (redact.Text) and without the writer's name:
// a model file keeps the words of the letters it learnt from (those in at
// least two of them), and it is written outside the encrypted store.
// Numbers never become words of the model (features: "w:#").
func (l *learning) anonymised(subject, text string) (string, string) {
	subject, text = redact.Text(subject), redact.Text(text)
	for _, part := range strings.Fields(l.rules.Extract(subject, text).FullName) {
		if utf8.RuneCountInString(part) > 2 { // initials stay: a letter alone names nobody
			re := regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}])` + regexp.QuoteMeta(part) + `($|[^\p{L}\p{N}])`)
			subject, text = re.ReplaceAllString(subject, "$1$2"), re.ReplaceAllString(text, "$1$2")
		}
	}
	return subject, text
}

// correctedReason is the reason an operator's correction teaches: a reason
// that starts with access_loss or data_leak names it; any other reason
// teaches urgency only.
func correctedReason(c store.PriorityCorrection) triage.Reason {
	if c.Priority != store.PriorityHigh {
		return triage.ReasonNone
	}
	for _, r := range []triage.Reason{triage.ReasonDataLeak, triage.ReasonAccessLoss} {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(c.Reason)), string(r)) {
			return r
		}
	}
	return triage.ReasonNone
}

// run prints the figures before and after and returns the retrained model.
func (l *learning) run() *triage.Model {
	before := l.rules.Fit(l.base, l.k, l.precision, triage.TrainOptions{})
	fmt.Fprintf(l.out, "Before: %d built-in letters, %d-fold cross-validated\n", len(l.base), l.k)
	l.printFigures(before.Figures, before.Model.Cut)
	if len(l.corrections) == 0 {
		fmt.Fprintln(l.out, "No priority corrections by operators: the model retrained on the same letters is the same.")
		return before.Model
	}
	if l.liveRules != nil {
		live := triage.Measure(l.liveRules.Score(l.corrections), l.liveRules.Model().Cut)
		fmt.Fprintf(l.out, "The live rules and %s decide %d of the %d corrected letters as the operators did.\n",
			l.liveModelSrc, live.TP+live.Letters-live.Urgent-live.FP, live.Letters)
	}
	all := append(append([]triage.Example(nil), l.base...), l.corrections...)
	after := l.rules.Fit(all, l.k, l.precision, triage.TrainOptions{})
	fmt.Fprintf(l.out, "After: %d built-in letters and %d corrections, %d-fold cross-validated\n", len(l.base), len(l.corrections), l.k)
	l.printFigures(after.Figures, after.Model.Cut)
	held := triage.Measure(after.Scored[len(l.base):], after.Model.Cut)
	fmt.Fprintf(l.out, "  corrected letters decided as the operators did, each by a model that did not see it: %d of %d\n",
		held.TP+held.Letters-held.Urgent-held.FP, held.Letters)
	return after.Model
}

func (l *learning) printFigures(f triage.Figures, c triage.Cut) {
	fmt.Fprintf(l.out, "  priority: precision %.3f (%d/%d), recall %.3f (%d/%d); reason %.3f (%d/%d); threshold %.3f, overrule below %.3f\n",
		f.Precision(), f.TP, f.TP+f.FP, f.Recall(), f.TP, f.Urgent, f.ReasonAccuracy(), f.ReasonRight, f.ReasonTotal, c.Threshold, c.Overrule)
}

// writeModel writes m to path through a temporary file, so that a reader
// never sees half a model.
func writeModel(path string, m *triage.Model) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".model-*")
	if err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := m.WriteTo(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { // weights, no secret: readable like the configuration
		return fmt.Errorf("write model: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	return nil
}
