package triage

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// trainingLetters is a small set where urgency is in the words: enough for
// the model to learn from in a test.
func trainingLetters() []Example {
	var es []Example
	add := func(p Priority, r Reason, subject string, texts ...string) {
		for _, t := range texts {
			es = append(es, Example{Name: t, Subject: subject, Text: t, Priority: p, Reason: r})
		}
	}
	add(PriorityHigh, ReasonAccessLoss, "кабинет",
		"калитка захлопнулась, кабинет не открывается", "калитка захлопнулась опять", "после обновления калитка захлопнулась",
		"калитка захлопнулась и всё", "у меня калитка захлопнулась, помогите")
	add(PriorityHigh, ReasonDataLeak, "данные",
		"соседка пересказала мою анкету дословно", "соседка пересказала мои данные", "соседка пересказала адрес и телефон",
		"соседка пересказала всё из кабинета", "коллега пересказала мою анкету")
	add(PriorityNormal, ReasonNone, "вопрос",
		"как подать заявление на справку", "где найти раздел с документами", "спасибо за помощь", "предлагаю добавить тёмную тему",
		"какие документы нужны для льготы", "сколько ждать ответа", "как поменять адрес доставки", "где скачать квитанцию",
		"как записаться на приём", "подскажите часы работы")
	return es
}

func TestTrainLearnsWords(t *testing.T) {
	m := Train(trainingLetters(), TrainOptions{})
	r := DefaultRules().WithModel(m)
	for _, tc := range []struct {
		text   string
		urgent bool
		reason Reason
	}{
		{"вчера калитка захлопнулась снова", true, ReasonAccessLoss},
		{"соседка пересказала мою анкету", true, ReasonDataLeak},
		{"как подать заявление на льготу", false, ReasonNone},
	} {
		d := r.Explain("", tc.text)
		if (d.Score >= m.Threshold) != tc.urgent {
			t.Errorf("%q: score %.3f, threshold %.3f, want urgent %v", tc.text, d.Score, m.Threshold, tc.urgent)
		}
		if tc.urgent && (d.By != DecidedByModel || d.Reason != tc.reason || len(d.Features) == 0) {
			t.Errorf("%q: decided by %q reason %q features %v, want the model, %q and the features", tc.text, d.By, d.Reason, d.Features, tc.reason)
		}
	}
}

func TestTrainIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if _, err := Train(trainingLetters(), TrainOptions{Seed: 7}).WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	if _, err := Train(trainingLetters(), TrainOptions{Seed: 7}).WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same letters and options gave two different models")
	}
}

func TestModelRoundTrip(t *testing.T) {
	m := Train(trainingLetters(), TrainOptions{})
	m.Threshold, m.Trained = 0.4375, "test letters"
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	back, err := ReadModel(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if back.Threshold != m.Threshold || back.Trained != m.Trained {
		t.Errorf("read back threshold %v trained %q, want %v %q", back.Threshold, back.Trained, m.Threshold, m.Trained)
	}
	for _, e := range trainingLetters() {
		x := features(e.Subject, e.Text)
		if got, want := back.urgent.probability(x), m.urgent.probability(x); got != want {
			t.Errorf("%q: read back scores %v, trained %v", e.Text, got, want)
		}
	}
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func TestReadModelErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"not gzip", []byte("ticketd-triage-model 1\n"), "not a gzip file"},
		{"empty", gz(""), "empty"},
		{"other file", gz("hello\n"), "line 1: not a ticketd triage model"},
		{"threshold", gz(modelMagic + "\nthreshold 1.5\n"), "line 2: threshold"},
		{"weight", gz(modelMagic + "\nu x w:пароль\n"), `line 2: bad weight "x"`},
		{"NaN", gz(modelMagic + "\nu NaN w:пароль\n"), "line 2: bad weight"},
		{"bias", gz(modelMagic + "\nbias q 1\n"), "line 2: bias of unknown classifier"},
		{"unknown", gz(modelMagic + "\nweights 3\n"), `line 2: unknown line "weights"`},
		{"short", gz(modelMagic + "\nu 0.5\n"), "line 2: want a tag or weight"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadModel(bytes.NewReader(tc.data))
			if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadModel = %v, want ErrModel saying %q", err, tc.want)
			}
		})
	}
}

func TestLoadModelNamesTheFile(t *testing.T) {
	_, err := LoadModel("/nonexistent/model.gz")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/model.gz") {
		t.Errorf("LoadModel = %v, want an error naming the file", err)
	}
}

func TestEmbeddedModelReads(t *testing.T) {
	m := DefaultModel()
	if len(m.urgent.weights) == 0 || len(m.leak.weights) == 0 || m.Threshold <= 0 || m.Threshold >= 1 {
		t.Errorf("embedded model: %d and %d weights, threshold %v", len(m.urgent.weights), len(m.leak.weights), m.Threshold)
	}
}

// FuzzReadModel checks that any bytes give a model or an error, never a
// panic.
func FuzzReadModel(f *testing.F) {
	f.Add(gz(modelMagic + "\nthreshold 0.5\ntrained x\nbias u 0.1\nbias l -0.2\nu 0.25 w:пароль\nl -1 s:войти\n"))
	f.Add(gz(modelMagic + "\n"))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadModel(bytes.NewReader(data))
		if err == nil && m == nil {
			t.Error("no model and no error")
		}
	})
}

func TestFeatures(t *testing.T) {
	got := map[string]bool{}
	for _, f := range features("Не могу ВОЙТИ", "Пароль НЕ подходит! Ёлки 123456") {
		got[f] = true
	}
	for _, want := range []string{"t:войти", "w:пароль", "s:парол", "n:подхо", "b:не_могу", "b:могу_войти", "w:елки", "w:#", "n:могу"} {
		if !got[want] {
			t.Errorf("features lack %q", want)
		}
	}
	for _, absent := range []string{"b:войти_парол", "n:елки", "w:123456"} {
		if got[absent] {
			t.Errorf("features have %q", absent)
		}
	}
	tr := features("", "ne mogu voiti v kabinet")
	if !slices.Contains(tr, "w:войти") {
		t.Errorf("transliterated letter: features %v lack w:войти", tr)
	}
}

func TestChooseCut(t *testing.T) {
	s := func(p Priority, rule Reason, urgent float64) Scored {
		r := ReasonNone
		if p == PriorityHigh {
			r = ReasonAccessLoss
		}
		return Scored{Example: Example{Priority: p, Reason: r}, Rule: rule, Urgent: urgent, Leak: ReasonAccessLoss}
	}
	ss := []Scored{
		s(PriorityHigh, ReasonAccessLoss, 0.1),    // the rule finds it; the model is unsure
		s(PriorityNormal, ReasonAccessLoss, 0.02), // the rule fires on a harmless use; the model is sure
		s(PriorityHigh, ReasonNone, 0.9),
		s(PriorityHigh, ReasonNone, 0.6),
		s(PriorityNormal, ReasonNone, 0.5),
		s(PriorityHigh, ReasonNone, 0.4),
		s(PriorityNormal, ReasonNone, 0.2),
	}
	for _, tc := range []struct {
		overrule, minPrecision float64
		want                   float64
		ok                     bool
	}{
		{0, 1, 0, false},       // the rule's harmless use is always wrong
		{0.05, 1, 0.55, true},  // between 0.6 and 0.5: 3 of 4 found, none wrong
		{0.05, 0.8, 0.3, true}, // between 0.4 and 0.2: all 4, one wrong
		{0.05, 0.5, 0.3, true}, // the highest threshold of the best recall
		{0.05, 0.7, 0.3, true},
		{0, 0.6, 0.3, true}, // all 4 and two wrong
	} {
		c, ok := chooseThreshold(ss, Cut{Overrule: tc.overrule}, tc.minPrecision)
		if got := c.Threshold; ok != tc.ok || (ok && math.Abs(got-tc.want) > 1e-9) {
			t.Errorf("chooseThreshold(overrule %v, precision %v) = %v, %v; want %v, %v", tc.overrule, tc.minPrecision, got, ok, tc.want, tc.ok)
		}
	}
	if c := ChooseCut(ss, 0.8); c.Overrule != 0.05 || math.Abs(c.Threshold-0.3) > 1e-9 {
		t.Errorf("ChooseCut(0.8) = %+v, want the harmless use overruled and every urgent letter found", c)
	}
	if c := ChooseCut(ss, 1.01); c != RulesOnly {
		t.Errorf("ChooseCut(1.01) = %+v, want RulesOnly", c)
	}
	f := Measure(ss, Cut{Threshold: 0.3, Overrule: 0.05})
	if f.TP != 4 || f.FP != 1 || f.FN != 0 || f.ReasonRight != 4 {
		t.Errorf("Measure = %+v", f)
	}
}
