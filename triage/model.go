package triage

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Model is the statistical half of the priority decision: two linear
// classifiers over a letter's features (see features), one that scores how
// likely the letter is urgent and one that tells a data leak from a loss of
// access. A Model is immutable and safe for concurrent use.
type Model struct {
	Cut
	// Trained says what the model was trained on, for people: the
	// number of letters and corrections.
	Trained string

	urgent linear // PriorityHigh against PriorityNormal
	leak   linear // ReasonDataLeak against ReasonAccessLoss, over urgent letters
}

// Cut is where the model's probability decides a letter's priority.
type Cut struct {
	// Threshold is the probability at or above which a letter no rule
	// made urgent is PriorityHigh.
	Threshold float64 `json:"threshold"`
	// Cancelled is the threshold for a letter whose rule phrases were
	// all cancelled (negated, part of a listed harmless use, or
	// resolved): the rules have read it as harmless, and the model must
	// be surer to say otherwise. Below Threshold it is Threshold; above 1
	// the model never makes such a letter urgent.
	Cancelled float64 `json:"cancelled"`
	// Overrule is the probability below which a letter a rule made
	// urgent is PriorityNormal all the same: the model is that sure the
	// rule's phrase is used harmlessly. 0 never overrules. A letter of
	// fewer than minFeatures features is never overruled: its score is
	// near the model's prior (scaleOf), which says nothing about it.
	Overrule float64 `json:"overrule"`
}

// Never is a threshold no probability reaches.
const Never = 2.0

// RulesOnly is a cut at which the model never decides: Measure with it
// measures the rules alone.
var RulesOnly = Cut{Threshold: Never, Cancelled: Never}

// linear is a logistic regression over binary features, each scaled by
// 1/√(number of features of the letter).
type linear struct {
	bias    float64
	weights map[string]float64
}

// ErrModel is wrapped by every error about a model file.
var ErrModel = errors.New("triage: bad model")

//go:embed model.gz
var defaultModelGz []byte

var defaultModel = sync.OnceValue(func() *Model {
	m, err := ReadModel(bytes.NewReader(defaultModelGz))
	if err != nil {
		panic(err) // the package tests read the embedded model
	}
	return m
})

// DefaultModel returns the model embedded in the binary (model.gz in the
// source, written by "ticketd triage learn -o triage/model.gz" from the
// labelled letters of package labelled).
func DefaultModel() *Model { return defaultModel() }

// LoadModel reads a model file written by WriteTo.
func LoadModel(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("triage: read model: %w", err)
	}
	defer f.Close()
	m, err := ReadModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// probability returns the model's probability that x is a positive example.
func (l *linear) probability(x featureSet) float64 {
	return sigmoid(l.margin(x))
}

// margin returns the linear score of x before the sigmoid.
func (l *linear) margin(x featureSet) float64 {
	scale := scaleOf(len(x))
	sum := 0.0
	for _, f := range x {
		sum += l.weights[f]
	}
	return l.bias + sum*scale
}

// contributions returns the features of x that move its score most toward
// positive, at most n of them, largest first.
func (l *linear) contributions(x featureSet, n int) []Contribution {
	scale := scaleOf(len(x))
	var cs []Contribution
	for _, f := range x {
		if w := l.weights[f] * scale; w > 0 {
			cs = append(cs, Contribution{Feature: f, Weight: round4(w)})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Weight != cs[j].Weight {
			return cs[i].Weight > cs[j].Weight
		}
		return cs[i].Feature < cs[j].Feature
	})
	return cs[:min(n, len(cs))]
}

// scaleOf is the value of each feature of a letter with n features:
// 1/√n, so that a long letter does not outweigh a short one by its length
// alone, but at most 1/√minFeatures, so that a line of a few words does not
// weigh as much as a letter: with 1/√n alone, short questions («Как
// посмотреть, кто входил в мой кабинет?») were scored urgent with a
// certainty the model had no grounds for. 100 is about thirty words; on
// the built-in letters it left the cross-validated figures as they were
// and set right 13 of the 15 short sentences of the package tests it had
// got wrong.
func scaleOf(n int) float64 { return 1 / math.Sqrt(float64(max(n, minFeatures))) }

// minFeatures is the number of features below which a letter counts as
// having that many (scaleOf).
const minFeatures = 100

// Contribution is one feature's share of a score.
type Contribution struct {
	Feature string  `json:"feature"`
	Weight  float64 `json:"weight"`
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// modelMagic starts every model file.
const modelMagic = "ticketd-triage-model 1"

// WriteTo writes m gzip-compressed as lines of text: the magic line, the
// cut, what it was trained on, the two biases, then one line per
// weight, "u" (urgent) or "l" (leak), the feature and the weight.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	bw := bufio.NewWriter(zw)
	fmt.Fprintf(bw, "%s\nthreshold %s\ncancelled %s\noverrule %s\ntrained %s\nbias u %s\nbias l %s\n", modelMagic,
		formatWeight(m.Threshold), formatWeight(m.Cancelled), formatWeight(m.Overrule), strings.ReplaceAll(m.Trained, "\n", " "), formatWeight(m.urgent.bias), formatWeight(m.leak.bias))
	for _, part := range []struct {
		tag string
		l   *linear
	}{{"u", &m.urgent}, {"l", &m.leak}} {
		keys := make([]string, 0, len(part.l.weights))
		for f := range part.l.weights {
			keys = append(keys, f)
		}
		sort.Strings(keys)
		for _, f := range keys {
			fmt.Fprintf(bw, "%s %s %s\n", part.tag, formatWeight(part.l.weights[f]), f)
		}
	}
	bw.Flush() // into memory: cannot fail
	zw.Close()
	n, err := buf.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("triage: write model: %w", err)
	}
	return n, nil
}

// formatWeight writes a weight with the precision a model needs and no more.
func formatWeight(w float64) string { return strconv.FormatFloat(w, 'g', 5, 64) }

// ReadModel reads a model written by WriteTo. Errors wrap ErrModel and name
// the line at fault.
func ReadModel(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: not a gzip file: %v", ErrModel, err)
	}
	m := &Model{urgent: linear{weights: map[string]float64{}}, leak: linear{weights: map[string]float64{}}}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 4096), 1<<16)
	line := 0
	bad := func(why string) error { return fmt.Errorf("%w: line %d: %s", ErrModel, line, why) }
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			if text != modelMagic {
				return nil, bad("not a ticketd triage model (want " + strconv.Quote(modelMagic) + ")")
			}
			continue
		}
		key, rest, _ := strings.Cut(text, " ")
		switch key {
		case "threshold":
			if m.Threshold, err = strconv.ParseFloat(rest, 64); err != nil || m.Threshold < 0 || m.Threshold > 1 {
				return nil, bad("threshold must be a number from 0 to 1")
			}
		case "cancelled":
			if m.Cancelled, err = strconv.ParseFloat(rest, 64); err != nil || m.Cancelled < 0 || m.Cancelled > Never {
				return nil, bad("cancelled must be a number from 0 to 2")
			}
		case "overrule":
			if m.Overrule, err = strconv.ParseFloat(rest, 64); err != nil || m.Overrule < 0 || m.Overrule > 1 {
				return nil, bad("overrule must be a number from 0 to 1")
			}
		case "trained":
			m.Trained = rest
		case "bias", "u", "l":
			if err := m.readWeight(key, rest); err != nil {
				return nil, bad(err.Error())
			}
		default:
			return nil, bad("unknown line " + strconv.Quote(key))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: line %d: %v", ErrModel, line+1, err)
	}
	if line == 0 {
		return nil, fmt.Errorf("%w: empty", ErrModel)
	}
	return m, nil
}

// readWeight reads the rest of a bias, u or l line.
func (m *Model) readWeight(key, rest string) error {
	a, b, ok := strings.Cut(rest, " ")
	if !ok {
		return errors.New("want a tag or weight and a value")
	}
	if key == "bias" {
		w, err := strconv.ParseFloat(b, 64)
		if err != nil || math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("bad bias %q", b)
		}
		switch a {
		case "u":
			m.urgent.bias = w
		case "l":
			m.leak.bias = w
		default:
			return fmt.Errorf("bias of unknown classifier %q", a)
		}
		return nil
	}
	w, err := strconv.ParseFloat(a, 64)
	if err != nil || math.IsNaN(w) || math.IsInf(w, 0) {
		return fmt.Errorf("bad weight %q", a)
	}
	if key == "u" {
		m.urgent.weights[b] = w
	} else {
		m.leak.weights[b] = w
	}
	return nil
}
