package triage

import "strings"

// Extract reads a letter's subject and the citizen's own words (quoted
// history and signature removed by the caller) and returns what it found.
// It accepts any strings, including invalid UTF-8, and reads at most the
// first 64 KiB of text and 4 KiB of subject.
func (r *Rules) Extract(subject, text string) Fields {
	f, _ := r.extract(subject, text, false)
	return f
}

// Explain is Extract's priority decision, with what decided it: the phrase
// a rule found, or the model's score and the features that weighed most.
func (r *Rules) Explain(subject, text string) Decision {
	_, d := r.extract(subject, text, true)
	return d
}

// extract is Extract; with explain it also fills in the Decision's
// explanation, which costs a sort of the letter's features.
func (r *Rules) extract(subject, text string, explain bool) (Fields, Decision) {
	rd := readLetter(subject, text)
	text, ns, nt, lang := rd.text, rd.ns, rd.nt, rd.lang
	joined := joinSubject(ns, nt)
	doc := r.index.Scan(joined)

	pd := findPersonalData(doc)
	f := Fields{
		FullName:          r.names.find(text),
		AccountNumber:     r.account.find(doc, pd.spans),
		ApplicationNumber: r.application.find(doc, pd.spans),
		Phone:             pd.phone,
		Priority:          PriorityNormal,
		PriorityReason:    ReasonNone,
		PersonalData:      pd.kinds,
		Language:          lang,
	}
	if f.PersonalData == nil {
		f.PersonalData = []PersonalData{}
	}
	d := r.decide(doc, ns, nt, explain)
	if d.Priority == PriorityHigh {
		f.Priority, f.PriorityReason = PriorityHigh, d.Reason
		f.Category = r.priority.category(d.Reason)
	}
	if f.Category == "" {
		// The subject and the text are scored apart, each as a part of
		// the document when it is one.
		subj := doc.Part(0, 0)
		if ns != "" && strings.TrimSpace(ns) == ns {
			subj = doc.Part(0, len(ns))
		} else if ns != "" {
			subj = r.index.Scan(ns)
		}
		f.Category = r.category.classify(subj, doc.Part(len(joined)-len(nt), len(joined)))
	}
	return f, d
}

// reading is a letter as triage reads it.
type reading struct {
	text   string // the text clipped to maxTextBytes, without carriage returns
	ns, nt string // the subject and text normalised, spelt back in Cyrillic when transliterated
	lang   string // "ru" or "en"
}

// readLetter clips the subject and text, normalises them, and spells a
// transliterated letter back in Cyrillic.
func readLetter(subject, text string) reading {
	subject = clip(subject, maxSubjectBytes)
	text = strings.ReplaceAll(clip(text, maxTextBytes), "\r", "")
	rd := reading{text: text, ns: normalize(subject), nt: normalize(text), lang: language(subject, text)}
	if rd.lang == "en" && transliterated(rd.ns+"\n"+rd.nt) {
		rd.ns, rd.nt, rd.lang = cyrillic(rd.ns), cyrillic(rd.nt), "ru"
	}
	return rd
}
