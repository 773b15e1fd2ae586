package templates

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Check holds an operator's values for template name against its catalog
// entry, before anything is queued. It returns an error wrapping ErrUnknown
// for a template that does not exist, and otherwise one error per problem
// (joined with errors.Join): a required variable missing or empty, a value
// outside the variable's values, a variable the template does not take
// (most likely a typo). Each names the template and the variable.
func (s *Set) Check(name string, vars map[string]string) error {
	e, ok := s.catalog[name]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknown, name)
	}
	var errs []error
	known := map[string]bool{}
	for _, v := range e.Variables {
		known[v.Name] = true
		val := strings.TrimSpace(vars[v.Name])
		switch {
		case val == "" && v.Required:
			msg := fmt.Sprintf("templates: %s: missing required variable %q", name, v.Name)
			if len(v.Values) > 0 {
				msg += " (want " + orList(v.Values) + ")"
			}
			errs = append(errs, errors.New(msg))
		case val != "" && len(v.Values) > 0 && !slices.Contains(v.Values, val):
			errs = append(errs, fmt.Errorf("templates: %s: variable %q is %q, want %s", name, v.Name, val, orList(v.Values)))
		}
	}
	var unknown []string
	for k := range vars {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		errs = append(errs, fmt.Errorf("templates: %s: unknown variable %q (%s)", name, k, takes(e.Variables)))
	}
	return errors.Join(errs...)
}

// takes says which variables a template takes, for the error about one it
// does not.
func takes(vars []Variable) string {
	if len(vars) == 0 {
		return "the template takes none"
	}
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.Name
	}
	return "the template takes " + orList(names)
}

// orList joins words as "a", "a or b", "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
