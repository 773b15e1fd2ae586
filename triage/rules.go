package triage

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"

	"github.com/ticketd/ticketd/triage/internal/pattern"
)

//go:embed rules.toml
var defaultRulesTOML []byte

// ErrRules is wrapped by every error about a rules file.
var ErrRules = errors.New("triage: bad rules")

// Rules is a compiled set of triage rules. A Rules is immutable and safe for
// concurrent use.
type Rules struct {
	account     numberRules
	application numberRules
	priority    priorityRules
	category    categoryRules
	names       nameRules
	index       *pattern.Index // of the rules matched against normalised text
	model       *Model         // for letters no priority rule fires on; nil for none
}

// rawRules is the TOML document before it is checked and compiled.
type rawRules struct {
	Macros      map[string]string `toml:"macros"`
	Account     rawNumber         `toml:"account"`
	Application rawNumber         `toml:"application"`
	Priority    rawPriority       `toml:"priority"`
	Category    rawCategory       `toml:"category"`
	FullName    rawFullName       `toml:"full_name"`
}

type rawNumber struct {
	MinDigits int      `toml:"min_digits"`
	MaxDigits int      `toml:"max_digits"`
	Patterns  []string `toml:"patterns"`
}

type rawPriority struct {
	Precedence []string    `toml:"precedence"`
	Negation   rawNegation `toml:"negation"`
	AccessLoss rawReason   `toml:"access_loss"`
	DataLeak   rawReason   `toml:"data_leak"`
}

type rawNegation struct {
	Near       []string `toml:"near"`
	NearWindow int      `toml:"near_window"`
	Far        []string `toml:"far"`
	FarWindow  int      `toml:"far_window"`
	Breaks     []string `toml:"breaks"`
	Skip       []string `toml:"skip"`
}

type rawReason struct {
	Category    string   `toml:"category"`
	Triggers    []string `toml:"triggers"`
	Exceptions  []string `toml:"exceptions"`
	Resolutions []string `toml:"resolutions"`
}

type rawCategory struct {
	SubjectWeight   int         `toml:"subject_weight"`
	Order           []string    `toml:"order"`
	StatusRequest   rawKeywords `toml:"status_request"`
	TechnicalError  rawKeywords `toml:"technical_error"`
	Complaint       rawKeywords `toml:"complaint"`
	Recommendation  rawKeywords `toml:"recommendation"`
	ServiceQuestion rawKeywords `toml:"service_question"`
	Other           rawKeywords `toml:"other"`
}

type rawKeywords struct {
	Keywords []rawKeyword `toml:"keywords"`
}

type rawKeyword struct {
	Weight  int    `toml:"weight"`
	Pattern string `toml:"pattern"`
}

type rawFullName struct {
	Labels   []string `toml:"labels"`
	Intros   []string `toml:"intros"`
	Signoffs []string `toml:"signoffs"`
	NotNames []string `toml:"not_names"`
}

var defaultRules = sync.OnceValue(func() *Rules {
	r, err := ParseRules(nil)
	if err != nil {
		panic(err) // the package tests compile the embedded rules
	}
	return r
})

// DefaultRules returns the rules embedded in the binary (rules.toml in the
// source). It panics if they do not compile, which the package tests rule out.
func DefaultRules() *Rules { return defaultRules() }

// LoadRules reads a TOML rules file and lays it over the default rules: each
// key present in the file replaces the default value of that key. Errors
// name the file and the key, and wrap ErrRules when the file is at fault.
func LoadRules(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("triage: read rules: %w", err)
	}
	r, err := parseRules(data)
	if err != nil {
		return nil, fmt.Errorf("%w in %s: %v", ErrRules, path, err)
	}
	return r, nil
}

// ParseRules lays the TOML document data over the default rules, as LoadRules
// does with a file, and compiles the result. Unknown keys are errors, so a
// misspelt key cannot be silently ignored. Errors wrap ErrRules and name the
// key.
func ParseRules(data []byte) (*Rules, error) {
	r, err := parseRules(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRules, err)
	}
	return r, nil
}

// parseRules is ParseRules with errors that do not yet say what was parsed.
func parseRules(data []byte) (*Rules, error) {
	var raw rawRules
	if _, err := toml.NewDecoder(bytes.NewReader(defaultRulesTOML)).Decode(&raw); err != nil {
		return nil, fmt.Errorf("embedded rules.toml: %v", err)
	}
	if len(data) > 0 {
		md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&raw)
		if err != nil {
			return nil, err
		}
		if undecoded := md.Undecoded(); len(undecoded) > 0 {
			keys := make([]string, len(undecoded))
			for i, k := range undecoded {
				keys[i] = k.String()
			}
			return nil, fmt.Errorf("unknown key %s", strings.Join(keys, ", "))
		}
	}
	return raw.compile()
}

// compile checks the document and builds the Rules.
func (raw *rawRules) compile() (*Rules, error) {
	for name, body := range raw.Macros {
		if _, err := pattern.ExpandMacros(body, raw.Macros); err != nil {
			return nil, fmt.Errorf("macros.%s: %w", name, err)
		}
	}
	var r Rules
	var err error
	if r.account, err = raw.Account.compile("account", raw.Macros); err != nil {
		return nil, err
	}
	if r.application, err = raw.Application.compile("application", raw.Macros); err != nil {
		return nil, err
	}
	if r.priority, err = raw.Priority.compile(raw.Macros); err != nil {
		return nil, err
	}
	if r.category, err = raw.Category.compile(raw.Macros); err != nil {
		return nil, err
	}
	if r.names, err = raw.FullName.compile(raw.Macros); err != nil {
		return nil, err
	}
	r.index = pattern.NewIndex(false, r.normalisedPatterns()...)
	r.model = DefaultModel()
	return &r, nil
}

// normalisedPatterns returns the rules of r that are matched against the
// normalised document.
func (r *Rules) normalisedPatterns() []*pattern.Pattern {
	var ps []*pattern.Pattern
	ps = append(ps, r.account.patterns...)
	ps = append(ps, r.application.patterns...)
	for _, rr := range r.priority.reasons {
		ps = append(ps, rr.triggers...)
		ps = append(ps, rr.exceptions...)
		ps = append(ps, rr.resolutions...)
	}
	for _, cs := range r.category.categories {
		for _, kw := range cs.keywords {
			ps = append(ps, kw.pattern)
		}
	}
	return ps
}

func (raw *rawNumber) compile(key string, macros map[string]string) (numberRules, error) {
	n := numberRules{minDigits: raw.MinDigits, maxDigits: raw.MaxDigits}
	if n.minDigits < 1 || n.maxDigits < n.minDigits {
		return n, fmt.Errorf("%s: need 1 <= min_digits <= max_digits, have %d and %d", key, n.minDigits, n.maxDigits)
	}
	var err error
	if n.patterns, err = compilePatterns(key+".patterns", raw.Patterns, macros); err != nil {
		return n, err
	}
	for i, p := range n.patterns {
		if p.SubexpIndex("number") < 0 {
			return n, fmt.Errorf("%s.patterns[%d]: no submatch named \"number\"", key, i)
		}
	}
	return n, nil
}

func (raw *rawPriority) compile(macros map[string]string) (priorityRules, error) {
	var pr priorityRules
	var err error
	if pr.negation, err = raw.Negation.compile(); err != nil {
		return pr, err
	}
	reasons := map[Reason]*rawReason{ReasonAccessLoss: &raw.AccessLoss, ReasonDataLeak: &raw.DataLeak}
	for i, name := range raw.Precedence {
		reason := Reason(name)
		rr, ok := reasons[reason]
		if !ok {
			return pr, fmt.Errorf("priority.precedence[%d]: unknown reason %q", i, name)
		}
		if slices.ContainsFunc(pr.reasons, func(c reasonRules) bool { return c.reason == reason }) {
			return pr, fmt.Errorf("priority.precedence[%d]: %q listed twice", i, name)
		}
		c, err := rr.compile("priority."+name, reason, macros)
		if err != nil {
			return pr, err
		}
		pr.reasons = append(pr.reasons, c)
	}
	return pr, nil
}

func (raw *rawReason) compile(key string, reason Reason, macros map[string]string) (reasonRules, error) {
	rr := reasonRules{reason: reason, category: Category(raw.Category)}
	if rr.category != "" && !knownCategory(rr.category) {
		return rr, fmt.Errorf("%s.category: unknown category %q", key, raw.Category)
	}
	var err error
	if rr.triggers, err = compilePatterns(key+".triggers", raw.Triggers, macros); err != nil {
		return rr, err
	}
	if rr.exceptions, err = compilePatterns(key+".exceptions", raw.Exceptions, macros); err != nil {
		return rr, err
	}
	if rr.resolutions, err = compilePatterns(key+".resolutions", raw.Resolutions, macros); err != nil {
		return rr, err
	}
	return rr, nil
}

func (raw *rawNegation) compile() (negation, error) {
	n := negation{nearWindow: raw.NearWindow, farWindow: raw.FarWindow}
	if n.nearWindow < 0 || n.farWindow < 0 || n.nearWindow > 20 || n.farWindow > 20 {
		return n, fmt.Errorf("priority.negation: windows must be between 0 and 20 words")
	}
	var err error
	if n.near, err = compileWordSet("priority.negation.near", raw.Near); err != nil {
		return n, err
	}
	if n.far, err = compileWordSet("priority.negation.far", raw.Far); err != nil {
		return n, err
	}
	if n.breaks, err = compileWordSet("priority.negation.breaks", raw.Breaks); err != nil {
		return n, err
	}
	if n.skip, err = compileWordSet("priority.negation.skip", raw.Skip); err != nil {
		return n, err
	}
	return n, nil
}

func (raw *rawCategory) compile(macros map[string]string) (categoryRules, error) {
	cr := categoryRules{subjectWeight: raw.SubjectWeight}
	if cr.subjectWeight < 0 {
		return cr, fmt.Errorf("category.subject_weight: must not be negative")
	}
	lists := map[Category][]rawKeyword{
		CategoryStatusRequest:   raw.StatusRequest.Keywords,
		CategoryTechnicalError:  raw.TechnicalError.Keywords,
		CategoryComplaint:       raw.Complaint.Keywords,
		CategoryRecommendation:  raw.Recommendation.Keywords,
		CategoryServiceQuestion: raw.ServiceQuestion.Keywords,
		CategoryOther:           raw.Other.Keywords,
	}
	for i, name := range raw.Order {
		c := Category(name)
		kws, ok := lists[c]
		if !ok {
			return cr, fmt.Errorf("category.order[%d]: unknown category %q", i, name)
		}
		delete(lists, c) // also catches a category listed twice
		cs := categoryScore{category: c}
		for j, kw := range kws {
			key := fmt.Sprintf("category.%s.keywords[%d]", name, j)
			if kw.Weight <= 0 {
				return cr, fmt.Errorf("%s.weight: must be positive", key)
			}
			p, err := pattern.Compile(kw.Pattern, macros)
			if err != nil {
				return cr, fmt.Errorf("%s.pattern: %w", key, err)
			}
			cs.keywords = append(cs.keywords, keyword{weight: kw.Weight, pattern: p})
		}
		cr.categories = append(cr.categories, cs)
	}
	for c, kws := range lists {
		if len(kws) > 0 {
			return cr, fmt.Errorf("category.order: %q has keywords but is not listed", c)
		}
	}
	return cr, nil
}

func (raw *rawFullName) compile(macros map[string]string) (nameRules, error) {
	var nr nameRules
	var err error
	if nr.labels, err = compileAlternation("full_name.labels", raw.Labels, macros); err != nil {
		return nr, err
	}
	if nr.intros, err = compileAlternation("full_name.intros", raw.Intros, macros); err != nil {
		return nr, err
	}
	if nr.signoffs, err = compileAlternation("full_name.signoffs", raw.Signoffs, macros); err != nil {
		return nr, err
	}
	nr.index = pattern.NewIndex(true, nr.labels, nr.intros, nr.signoffs)
	nr.notNames = make(map[string]bool, len(raw.NotNames))
	for _, w := range raw.NotNames {
		nr.notNames[strings.ToLower(strings.TrimSpace(w))] = true
	}
	return nr, nil
}

// compileAlternation compiles a list of patterns into one case-insensitive
// pattern, for text as written, that matches any of them, or nil for an
// empty list. Each entry is compiled on
// its own first so that an error names it.
func compileAlternation(key string, srcs []string, macros map[string]string) (*pattern.Pattern, error) {
	if len(srcs) == 0 {
		return nil, nil
	}
	parts := make([]string, len(srcs))
	for i, src := range srcs {
		if _, err := pattern.CompileFolded(src, macros); err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		parts[i] = "(?:" + src + ")"
	}
	return pattern.CompileFolded(strings.Join(parts, "|"), macros)
}

// compilePatterns compiles a list of rules; an error names the failing entry
// under key.
func compilePatterns(key string, srcs []string, macros map[string]string) ([]*pattern.Pattern, error) {
	ps := make([]*pattern.Pattern, 0, len(srcs))
	for i, src := range srcs {
		p, err := pattern.Compile(src, macros)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// knownCategory reports whether c is one of the package's categories.
func knownCategory(c Category) bool {
	switch c {
	case CategoryTechnicalError, CategoryServiceQuestion, CategoryRecommendation,
		CategoryStatusRequest, CategoryComplaint, CategoryOther:
		return true
	}
	return false
}
