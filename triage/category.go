package triage

import "github.com/ticketd/ticketd/triage/internal/pattern"

// categoryRules score a letter's words for each category.
type categoryRules struct {
	subjectWeight int
	categories    []categoryScore // in tie-breaking order
}

// categoryScore is the keywords of one category.
type categoryScore struct {
	category Category
	keywords []keyword
}

// keyword is a pattern and what it is worth.
type keyword struct {
	weight  int
	pattern *pattern.Pattern
}

// classify returns the category whose keywords weigh most in the normalised
// subject and text, or CategoryOther when none is found.
func (cr *categoryRules) classify(subject, text *pattern.Text) Category {
	best, bestScore := CategoryOther, 0
	for _, cs := range cr.categories {
		score := 0
		for _, kw := range cs.keywords {
			if kw.pattern.Find(subject) != nil {
				score += kw.weight * cr.subjectWeight
			}
			if kw.pattern.Find(text) != nil {
				score += kw.weight
			}
		}
		if score > bestScore {
			best, bestScore = cs.category, score
		}
	}
	return best
}
