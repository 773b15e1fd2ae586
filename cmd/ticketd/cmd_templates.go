package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/ticketd/ticketd/templates"
)

func loadTemplates(cfg Config) (*templates.Set, error) {
	set, err := templates.Load(cfg.Templates.Dir, cfg.Templates.Location)
	if err != nil {
		return nil, &ConfigError{Key: "templates.dir", Problem: err.Error()}
	}
	return set, nil
}

func templatesFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	config := configFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, e *env, args []string) error {
		if err := wantArgs(args, 0, ""); err != nil {
			return err
		}
		cfg := Defaults()
		if _, err := os.Stat(*config); err == nil {
			if cfg, err = LoadConfig(*config, PartTemplates); err != nil {
				return err
			}
		} else if err := cfg.Validate("(defaults)", PartTemplates); err != nil {
			return err
		}
		set, err := loadTemplates(cfg)
		if err != nil {
			return err
		}
		cat := set.Catalog()
		if *asJSON {
			return writeJSON(e.stdout, cat)
		}
		for _, t := range cat {
			var vs []string
			for _, v := range t.Variables {
				s := v.Name
				if v.Required {
					s += " (required)"
				}
				vs = append(vs, s)
			}
			about := t.Description
			if t.Title != "" {
				about = t.Title + " — " + about
			}
			fmt.Fprintf(e.stdout, "%-22s %s [%s]\n", t.Name, about, strings.Join(t.Languages, ", "))
			if len(vs) > 0 {
				fmt.Fprintf(e.stdout, "%-22s   -set %s\n", "", strings.Join(vs, ", "))
			}
		}
		return nil
	}
}
