package triage

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Example is a letter with the priority a person gave it, for training and
// measuring a Model.
type Example struct {
	Name          string // where the letter came from, for reports
	Subject, Text string
	Priority      Priority
	Reason        Reason // ReasonNone unless Priority is PriorityHigh
}

// TrainOptions tune Train. The zero value means the defaults.
type TrainOptions struct {
	Epochs int     // passes over the letters; default 30
	L2     float64 // weight decay per step; default 1e-3
	MinDF  int     // a feature must be in this many letters to be kept; default 2
	Seed   uint64  // of the order letters are visited in; any fixed value gives the same model
}

func (o TrainOptions) withDefaults() TrainOptions {
	if o.Epochs <= 0 {
		o.Epochs = 30
	}
	if o.L2 <= 0 {
		o.L2 = 1e-3
	}
	if o.MinDF <= 0 {
		o.MinDF = 2
	}
	return o
}

// Train fits a Model to the examples: the urgency classifier over all of
// them, the leak classifier over the urgent ones. The same examples and
// options always give the same model. The threshold is left at 0.5 and
// nothing is overruled; choose a cut with CrossValidate and ChooseCut.
func Train(examples []Example, opt TrainOptions) *Model {
	opt = opt.withDefaults()
	xs := make([]featureSet, len(examples))
	for i, e := range examples {
		xs[i] = features(e.Subject, e.Text)
	}
	return trainOn(examples, xs, opt)
}

// trainOn is Train over features already read.
func trainOn(examples []Example, xs []featureSet, opt TrainOptions) *Model {
	urgent := make([]bool, len(examples))
	var leakX []featureSet
	var leakY []bool
	for i, e := range examples {
		urgent[i] = e.Priority == PriorityHigh
		if urgent[i] && e.Reason != ReasonNone { // a correction may say urgent without saying why
			leakX = append(leakX, xs[i])
			leakY = append(leakY, e.Reason == ReasonDataLeak)
		}
	}
	return &Model{
		Cut:    Cut{Threshold: 0.5},
		urgent: fit(xs, urgent, opt),
		leak:   fit(leakX, leakY, opt),
	}
}

// fit trains one logistic regression with AdaGrad, the classes weighted so
// that each weighs as much as the other in total.
func fit(xs []featureSet, ys []bool, opt TrainOptions) linear {
	l := linear{weights: map[string]float64{}}
	if len(xs) == 0 {
		return l
	}
	keep := vocabulary(xs, opt.MinDF)
	pos := 0
	for _, y := range ys {
		if y {
			pos++
		}
	}
	neg := len(ys) - pos
	weightOf := func(y bool) float64 {
		if pos == 0 || neg == 0 {
			return 1
		}
		if y {
			return float64(len(ys)) / (2 * float64(pos))
		}
		return float64(len(ys)) / (2 * float64(neg))
	}
	// Features as indices, for speed.
	index := make(map[string]int, len(keep))
	names := make([]string, 0, len(keep))
	for _, f := range keep {
		index[f] = len(names)
		names = append(names, f)
	}
	rows := make([][]int, len(xs))
	for i, x := range xs {
		for _, f := range x {
			if j, ok := index[f]; ok {
				rows[i] = append(rows[i], j)
			}
		}
		sort.Ints(rows[i])
	}
	w := make([]float64, len(names))
	g2 := make([]float64, len(names))
	var bias, biasG2 float64
	const rate = 0.5
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x7469636b657464))
	for range opt.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			scale := scaleOf(len(xs[i]))
			z := bias
			for _, j := range rows[i] {
				z += w[j] * scale
			}
			y := 0.0
			if ys[i] {
				y = 1
			}
			g := (sigmoid(z) - y) * weightOf(ys[i])
			biasG2 += g * g
			bias -= rate * g / math.Sqrt(biasG2+1e-8)
			for _, j := range rows[i] {
				gj := g*scale + opt.L2*w[j]
				g2[j] += gj * gj
				w[j] -= rate * gj / math.Sqrt(g2[j]+1e-8)
			}
		}
	}
	l.bias = roundWeight(bias)
	for j, f := range names {
		if math.Abs(w[j]) >= 1e-3 {
			l.weights[f] = roundWeight(w[j])
		}
	}
	return l
}

// roundWeight keeps five significant digits, as the model file does, so that
// a model read back scores exactly as the one trained.
func roundWeight(w float64) float64 {
	if w == 0 {
		return 0
	}
	e := math.Pow(10, 4-math.Floor(math.Log10(math.Abs(w))))
	return math.Round(w*e) / e
}

// vocabulary returns the features found in at least minDF of xs, sorted.
func vocabulary(xs []featureSet, minDF int) []string {
	df := map[string]int{}
	for _, x := range xs {
		for _, f := range x {
			df[f]++
		}
	}
	var keep []string
	for f, n := range df {
		if n >= minDF {
			keep = append(keep, f)
		}
	}
	sort.Strings(keep)
	return keep
}
