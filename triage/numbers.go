package triage

import (
	"strings"

	"github.com/ticketd/ticketd/triage/internal/pattern"
)

// numberRules find one kind of reference number: an account or an
// application.
type numberRules struct {
	patterns  []*pattern.Pattern // each with a submatch named "number"
	minDigits int
	maxDigits int
}

// find returns the first number in doc that has an acceptable count of digits
// and is not inside one of the taken spans (personal data already found), with
// its spaces removed.
func (n *numberRules) find(doc *pattern.Text, taken []span) string {
	best, bestAt := "", len(doc.String())+1
	for _, p := range n.patterns {
		sub := p.SubexpIndex("number")
		p.Each(doc, func(m []int) bool {
			start, end := m[2*sub], m[2*sub+1]
			if start < 0 || start >= bestAt {
				return start < 0 // a later match of this pattern is no earlier
			}
			number := strings.ReplaceAll(doc.String()[start:end], " ", "")
			digits := len(digitsOf(number))
			if digits < n.minDigits || digits > n.maxDigits {
				return true
			}
			for _, t := range taken {
				if t.overlaps(span{start, end}) {
					return true
				}
			}
			best, bestAt = number, start
			return false
		})
	}
	return best
}
