package triage

import (
	"math/rand/v2"
	"sort"
)

// Scored is a letter as the rules and a model see it, for measuring.
type Scored struct {
	Example
	Rule Reason // the reason a rule found; ReasonNone when none fired
	// RuleCancelled is set when the rules found phrases and cancelled
	// each.
	RuleCancelled bool
	// Short is set for a letter of fewer than minFeatures features,
	// which the model does not overrule.
	Short  bool
	Urgent float64 // the model's probability that the letter is urgent
	Leak   Reason  // the reason the model gives it if it is
}

// Figures measure the priority decision over a set of letters.
type Figures struct {
	Letters int `json:"letters"`
	Urgent  int `json:"urgent"` // letters a person marked PriorityHigh
	TP      int `json:"true_positives"`
	FP      int `json:"false_positives"`
	FN      int `json:"false_negatives"`
	// ReasonRight of ReasonTotal: the letters a person and ticketd both
	// made urgent, and how many of them got the person's reason.
	ReasonRight int `json:"reason_right"`
	ReasonTotal int `json:"reason_total"`
}

// Precision is the share of letters ticketd made urgent that are.
func (f Figures) Precision() float64 { return ratio(f.TP, f.TP+f.FP) }

// Recall is the share of urgent letters ticketd made urgent.
func (f Figures) Recall() float64 { return ratio(f.TP, f.TP+f.FN) }

// ReasonAccuracy is the share of letters found urgent that got the right
// reason.
func (f Figures) ReasonAccuracy() float64 { return ratio(f.ReasonRight, f.ReasonTotal) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Measure decides each letter as Extract does at the cut c and counts the
// outcome.
func Measure(ss []Scored, c Cut) Figures {
	var f Figures
	for _, s := range ss {
		f.Letters++
		want := s.Priority == PriorityHigh
		got, reason := s.decision(c)
		if want {
			f.Urgent++
		}
		switch {
		case got && want:
			f.TP++
			f.ReasonTotal++
			if reason == s.Reason {
				f.ReasonRight++
			}
		case got:
			f.FP++
		case want:
			f.FN++
		}
	}
	return f
}

// decision is Extract's priority decision for s at the cut c.
func (s Scored) decision(c Cut) (bool, Reason) {
	switch {
	case s.Rule != ReasonNone:
		if !s.Short && s.Urgent < c.Overrule {
			return false, ReasonNone
		}
		return true, s.Rule
	case s.Urgent >= c.threshold(s.RuleCancelled):
		return true, s.Leak
	}
	return false, ReasonNone
}

// Score scores each example with r's rules and its model (Urgent is 0
// without one).
func (r *Rules) Score(examples []Example) []Scored {
	ss := make([]Scored, len(examples))
	for i, e := range examples {
		ss[i] = r.score(e, nil)
	}
	return ss
}

// score scores e with r's rules and m, or r's model when m is nil.
func (r *Rules) score(e Example, m *Model) Scored {
	if m == nil {
		m = r.model
	}
	s := Scored{Example: e}
	rd := readLetter(e.Subject, e.Text)
	ns, nt := rd.ns, rd.nt
	rr, _, found := r.priority.reason(r.index.Scan(joinSubject(ns, nt)))
	if found == foundPhrase {
		s.Rule = rr.reason
	}
	s.RuleCancelled = found == foundCancelled
	if m != nil {
		x := featuresOf(ns, nt)
		s.Urgent, s.Leak, s.Short = m.urgent.probability(x), m.reason(x), len(x) < minFeatures
	}
	return s
}

// CrossValidate measures training on examples without measuring on what
// was trained on: it splits them into k folds, trains a model on all folds
// but one and scores the one left out with r's rules and that model, for
// each fold in turn. The split depends on opt.Seed only.
func (r *Rules) CrossValidate(examples []Example, k int, opt TrainOptions) []Scored {
	opt = opt.withDefaults()
	k = max(2, min(k, len(examples)))
	xs := make([]featureSet, len(examples))
	for i, e := range examples {
		xs[i] = features(e.Subject, e.Text)
	}
	fold := make([]int, len(examples))
	for i := range fold {
		fold[i] = i % k
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x666f6c6473))
	rng.Shuffle(len(fold), func(i, j int) { fold[i], fold[j] = fold[j], fold[i] })
	ss := make([]Scored, len(examples))
	for f := range k {
		var train []Example
		var trainX []featureSet
		for i := range examples {
			if fold[i] != f {
				train = append(train, examples[i])
				trainX = append(trainX, xs[i])
			}
		}
		m := trainOn(train, trainX, opt)
		for i, e := range examples {
			if fold[i] == f {
				ss[i] = r.score(e, m)
			}
		}
	}
	return ss
}

// threshold is the threshold for a letter no rule made urgent: the
// Threshold, or for a letter whose phrases the rules cancelled the
// Cancelled threshold, which is never the lower of the two.
func (c Cut) threshold(cancelled bool) float64 {
	if cancelled {
		return max(c.Cancelled, c.Threshold)
	}
	return c.Threshold
}

// overrules and cancelledCuts are the values ChooseCut tries for
// Cut.Overrule and Cut.Cancelled.
var (
	overrules     = []float64{0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3}
	cancelledCuts = []float64{0, 0.5, 0.7, 0.9, Never} // 0: the same as Threshold (Cut.threshold)
)

// ChooseCut returns the cut at which the rules and the model together find
// the most urgent letters of ss while keeping precision at least
// minPrecision; among equal recalls, the one of higher precision, then the
// first tried. It tries a few overrules and thresholds for cancelled
// phrases, and for each pair every threshold the scores of ss give. With
// no cut that keeps the precision it returns RulesOnly.
func ChooseCut(ss []Scored, minPrecision float64) Cut {
	best, bestF := RulesOnly, Figures{}
	found := false
	for _, cancelled := range cancelledCuts {
		for _, o := range overrules {
			c, ok := chooseThreshold(ss, Cut{Cancelled: cancelled, Overrule: o}, minPrecision)
			if !ok {
				continue
			}
			f := Measure(ss, c)
			if !found || f.Recall() > bestF.Recall() || (f.Recall() == bestF.Recall() && f.Precision() > bestF.Precision()) {
				best, bestF, found = c, f, true
			}
		}
	}
	return best
}

// chooseThreshold returns c with the threshold of highest recall at a
// precision of at least minPrecision; among equal recalls, the highest
// threshold. The threshold lies halfway between the lowest score it lets
// through and the next score below, so that rounding it cannot move a
// letter. ok is false when no threshold keeps the precision.
func chooseThreshold(ss []Scored, c Cut, minPrecision float64) (Cut, bool) {
	var candidates []float64
	for _, s := range ss {
		if s.Rule == ReasonNone && !s.RuleCancelled {
			candidates = append(candidates, s.Urgent)
		}
	}
	candidates = append(candidates, Never)
	sort.Sort(sort.Reverse(sort.Float64Slice(candidates)))
	at := func(t float64) Cut {
		d := c
		d.Threshold = t
		return d
	}
	best, bestRecall := -1, -1.0
	for i, t := range candidates {
		f := Measure(ss, at(t))
		if f.Precision() >= minPrecision && f.Recall() > bestRecall {
			best, bestRecall = i, f.Recall()
		}
	}
	switch {
	case best < 0:
		return c, false
	case best == 0:
		return at(Never), true
	}
	for _, below := range candidates[best+1:] {
		if below < candidates[best] {
			return at((candidates[best] + below) / 2), true
		}
	}
	return at(candidates[best]), true
}
