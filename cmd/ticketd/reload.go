package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// reload reads the templates ([templates] dir and each [[mailbox]]'s) and the triage rules
// ([rules] file and model) again, as cfg names them, and puts them in
// place of those in use: the daemon reads the letters it has not begun
// with the new rules and answers with the new templates, the console
// from its next request. When anything fails to load, nothing changes:
// the error names the key, and the old set stays in use. The rest of
// the configuration is not read again.
func (s *service) reload(cfg Config) error {
	tmpl, err := loadTemplates(cfg)
	if err != nil {
		return err
	}
	rules, err := configuredRules(cfg.Rules)
	if err != nil {
		return err
	}
	sets, err := mailboxTemplates(cfg, tmpl)
	if err != nil {
		return err
	}
	for i, d := range s.daemons {
		in, ack := d.Current()
		newIn := *in // the attachment policy and its decode gate stay
		newIn.Rules = rules
		newAck := *ack
		newAck.Templates = sets[i]
		d.Reload(&newIn, &newAck)
	}
	if s.console != nil {
		s.console.Reload(newOperator(cfg, s.db, tmpl, s.outbox, s.metrics), tmpl)
	}
	return nil
}

// reloadOnHangup reloads the templates and rules on each SIGHUP until ctx
// ends, logging what became of it. Without it a SIGHUP would end the
// process.
func (s *service) reloadOnHangup(ctx context.Context, cfg Config, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				s.reloadLogged(cfg, log)
			}
		}
	}()
}

// reloadLogged is reload, logged: Info when the new set is in use, Error
// naming the key when the old one stays.
func (s *service) reloadLogged(cfg Config, log *slog.Logger) {
	if err := s.reload(cfg); err != nil {
		log.Error("reload refused; the templates and rules in use stay", "error", err.Error())
		return
	}
	log.Info("reloaded templates and rules", "templates", cfg.Templates.Dir, "rules", cfg.Rules.File, "model", cfg.Rules.Model)
}
