package triage

import (
	"math"

	"github.com/ticketd/ticketd/triage/internal/pattern"
)

// Decision is how a letter's priority was decided.
type Decision struct {
	Priority Priority `json:"priority"`
	Reason   Reason   `json:"priority_reason"`
	// By is what decided: DecidedByRule, DecidedByModel, or
	// DecidedByNothing for a letter that is PriorityNormal.
	By string `json:"decided_by"`
	// Rule is the phrase a rule found, as the rules read it (lowered, ё
	// as е); "" when no rule fired.
	Rule string `json:"rule,omitempty"`
	// Overruled is set when a rule fired but the model's score was
	// below the cut's Overrule: the model decided the letter is normal.
	Overruled bool `json:"overruled,omitempty"`
	// RuleCancelled is set when the rules found their phrases but
	// cancelled each (a negation, a listed harmless use, a resolution):
	// the model then decides at the cut's Cancelled threshold.
	RuleCancelled bool `json:"rule_cancelled,omitempty"`
	// Score is the model's probability that the letter is urgent, and
	// Cut where it decides; all 0 when the rules have no model.
	Score float64 `json:"score"`
	Cut
	// Features are the features that weighed most toward urgency, for
	// Explain only.
	Features []Contribution `json:"features,omitempty"`
}

// What decides a letter's priority.
const (
	DecidedByRule    = "rule"
	DecidedByModel   = "model"
	DecidedByNothing = "none"
)

// explained is how many features Explain reports.
const explained = 8

// decide is the priority decision (see the package doc): a rule's phrase
// makes a letter urgent unless the model is sure it is not (a score below
// the cut's Overrule); where no rule fires, the model makes it urgent from
// the cut's Threshold, or from its Cancelled threshold when the rules read
// their phrases as harmless. ns and nt are the normalised subject and text
// doc was made from.
func (r *Rules) decide(doc *pattern.Text, ns, nt string, explain bool) (d Decision) {
	d = Decision{Priority: PriorityNormal, Reason: ReasonNone, By: DecidedByNothing}
	rr, at, found := r.priority.reason(doc)
	ruled := found == foundPhrase
	d.RuleCancelled = found == foundCancelled
	if ruled {
		d = Decision{Priority: PriorityHigh, Reason: rr.reason, By: DecidedByRule, Rule: doc.String()[at.start:at.end]}
	}
	if r.model == nil {
		return d
	}
	x := featuresOf(ns, nt)
	d.Score, d.Cut = r.model.urgent.probability(x), r.model.Cut
	d.Cancelled = d.threshold(true)
	if explain {
		defer func() { d.Score = round4(d.Score) }()
		d.Features = r.model.urgent.contributions(x, explained)
	}
	switch {
	case ruled && len(x) >= minFeatures && d.Score < d.Overrule:
		d.Priority, d.Reason, d.By, d.Overruled = PriorityNormal, ReasonNone, DecidedByModel, true
	case !ruled && d.Score >= d.threshold(d.RuleCancelled):
		d.Priority, d.Reason, d.By = PriorityHigh, r.model.reason(x), DecidedByModel
	}
	return d
}

// round4 rounds x to four decimals, for people.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// reason tells a data leak from a loss of access in an urgent letter.
func (m *Model) reason(x featureSet) Reason {
	if m.leak.probability(x) >= 0.5 {
		return ReasonDataLeak
	}
	return ReasonAccessLoss
}

// category returns the category the rules give letters with reason, or ""
// when they leave it to the keywords.
func (pr *priorityRules) category(reason Reason) Category {
	for _, rr := range pr.reasons {
		if rr.reason == reason {
			return rr.category
		}
	}
	return ""
}

// WithModel returns a copy of r that decides with m where no rule fires;
// nil leaves the rules alone.
func (r *Rules) WithModel(m *Model) *Rules {
	c := *r
	c.model = m
	return &c
}

// Model returns the model r decides with, nil for none.
func (r *Rules) Model() *Model { return r.model }
