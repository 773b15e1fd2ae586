package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/triage"
)

// maxRetentionDays is the longest period [retention] takes: a hundred
// years, well inside what a time.Duration holds (292 years).
const maxRetentionDays = 36500

// categories are the categories triage gives tickets, which
// [retention.category] may name.
var categories = []triage.Category{triage.CategoryTechnicalError, triage.CategoryServiceQuestion,
	triage.CategoryRecommendation, triage.CategoryStatusRequest, triage.CategoryComplaint, triage.CategoryOther}

// rules parses the section into the rule of each category ("" for
// closed_for), leaving out what is kept forever; errors name the key.
func (r RetentionConfig) rules(path string) (map[string]store.RetentionRule, error) {
	rules := map[string]store.RetentionRule{}
	add := func(category, key, value string) error {
		period, forever, err := parsePeriod(value)
		if err != nil {
			return &ConfigError{File: path, Key: key, Problem: err.Error()}
		}
		if !forever {
			rules[category] = store.RetentionRule{Name: fmt.Sprintf("%s = %q", key, value), Period: period}
		}
		return nil
	}
	if err := add("", "retention.closed_for", r.ClosedFor); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(r.Category))
	for c := range r.Category {
		names = append(names, c)
	}
	slices.Sort(names)
	for _, c := range names {
		key := "retention.category." + c
		if !slices.Contains(categories, triage.Category(c)) {
			return nil, &ConfigError{File: path, Key: key, Problem: "unknown category; want one of " + categoryList()}
		}
		if err := add(c, key, r.Category[c]); err != nil {
			return nil, err
		}
		if _, ok := rules[c]; !ok {
			rules[c] = store.RetentionRule{} // kept forever, whatever closed_for says
		}
	}
	return rules, nil
}

func categoryList() string {
	s := make([]string, len(categories))
	for i, c := range categories {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// Policy is the rules as the store asks for them; nil when nothing is
// ever purged.
func (r RetentionConfig) Policy() store.RetentionPolicy {
	some := false
	for _, rule := range r.Rules {
		some = some || rule.Period > 0
	}
	if !some {
		return nil
	}
	return func(category string) (store.RetentionRule, bool) {
		rule, ok := r.Rules[category]
		if !ok {
			rule = r.Rules[""]
		}
		return rule, rule.Period > 0
	}
}

// parsePeriod reads a retention period: whole days ("1095d"), days and
// a Go duration ("1d12h"), or a Go duration ("36h", "90m"). "" and
// "forever" keep forever. Zero and negative periods are refused.
func parsePeriod(s string) (period time.Duration, forever bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "forever" {
		return 0, true, nil
	}
	bad := fmt.Errorf(`%q is not a period like "1095d", "36h" or "forever"`, s)
	rest := s
	if i := strings.IndexByte(s, 'd'); i > 0 {
		days, err := strconv.Atoi(s[:i])
		if err != nil {
			return 0, false, bad
		}
		if days > maxRetentionDays {
			return 0, false, fmt.Errorf("%q is longer than %dd (a hundred years)", s, maxRetentionDays)
		}
		period, rest = time.Duration(days)*24*time.Hour, s[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, false, bad
		}
		if d > maxRetentionDays*24*time.Hour {
			return 0, false, fmt.Errorf("%q is longer than %dd (a hundred years)", s, maxRetentionDays)
		}
		period += d
	}
	if period <= 0 {
		return 0, false, fmt.Errorf("%q: want a positive period, or \"forever\"", s)
	}
	return period, false, nil
}
