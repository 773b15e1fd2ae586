package triage

import "github.com/ticketd/ticketd/triage/internal/pattern"

// Decision is how a letter's priority was decided.
type Decision struct {
	Priority Priority `json:"priority"`
	Reason   Reason   `json:"priority_reason"`
	// By is what decided: DecidedByRule, DecidedByModel, or
	// DecidedByNothing for a letter that is PriorityNormal.
	By string `json:"decided_by"`
	// Rule is the phrase a rule found, as the rules read it (lowered, ё
	// as е); "" unless a rule decided.
	Rule string `json:"rule,omitempty"`
	// Score is the model's probability that the letter is urgent, and
	// Threshold the probability from which it makes a letter urgent
	// where no rule fired; both 0 when the rules have no model.
	Score     float64 `json:"score"`
	Threshold float64 `json:"threshold"`
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

// decide is the priority decision: a rule's phrase first, because the
// rules are precise where they fire; the model for the letters no rule
// makes urgent. ns and nt are the normalised subject and text doc was made
// from.
//
// Extract does not score a letter a rule made urgent; Explain does, so that
// a person sees whether the model agrees.
func (r *Rules) decide(doc *pattern.Text, ns, nt string, explain bool) Decision {
	d := Decision{Priority: PriorityNormal, Reason: ReasonNone, By: DecidedByNothing}
	rr, at, ruled := r.priority.reason(doc)
	if ruled {
		d = Decision{Priority: PriorityHigh, Reason: rr.reason, By: DecidedByRule, Rule: doc.String()[at.start:at.end]}
	}
	if r.model == nil || (ruled && !explain) {
		return d
	}
	x := featuresOf(ns, nt)
	d.Score, d.Threshold = r.model.urgent.probability(x), r.model.Threshold
	if explain {
		d.Features = r.model.urgent.contributions(x, explained)
	}
	if !ruled && d.Score >= d.Threshold {
		d.Priority, d.Reason, d.By = PriorityHigh, r.model.reason(x), DecidedByModel
	}
	return d
}

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
