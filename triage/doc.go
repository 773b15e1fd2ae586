// Package triage reads what a citizen wrote — the subject of the letter and
// their own words, with quoted history and signature already removed — and
// returns the fields a ticket needs: who wrote, which account and application
// the letter is about, what kind of letter it is, and whether it must be
// answered first.
//
// The package is pure: strings in, a Fields value out, no logging and no I/O
// except LoadRules, which reads the rules file it is given.
//
// # Rules
//
// Everything an operator may want to tune without a rebuild — the account and
// application number patterns, the priority phrases and their negations, the
// category keywords and the words that introduce a name — lives in a TOML
// file. The default, rules.toml, is embedded in the binary (DefaultRules). A
// file given to LoadRules is laid over the default key by key: a key present
// in the file replaces the default value of that key (lists are replaced, not
// appended to); keys it leaves out keep their default. rules.toml documents
// the pattern language: Go regular expressions, matched case-insensitively
// against the text lowered and with ё written as е, anchored at word
// boundaries that understand Cyrillic.
//
// # Priority
//
// A letter is PriorityHigh when the citizen has lost access to their account
// (cannot log in, blocked, hacked, someone else logged in or changed the
// password or the e-mail: ReasonAccessLoss) or when personal data reached
// someone it should not have (a leak, data seen or known by strangers, someone
// else's data shown to the citizen: ReasonDataLeak). rules.toml groups the
// phrases by these meanings. A phrase does not count when a negating word
// stands just before it («не взломали», "no data leak"; articles and
// quantifiers in between are passed over: "there hasn't been any breach"),
// when a hypothetical or reporting word stands a little before it («если забыл
// пароль», "in the news about a data leak"), when it is part of a listed
// unrelated use («нет доступа к почте», «утечки не было», «войти в раздел»),
// or when a later phrase says the problem is over («доступ восстановлен»,
// «войти получилось», «это была я»). When both reasons are present
// ReasonDataLeak wins: a leak obliges the operator to act under 152-FZ whatever
// happened to the account. The order is the rules' priority.precedence key.
//
// # The model
//
// The phrase rules are precise where they fire, but each new batch of
// letters brought wordings they had not met: on the blind letters they find
// 0.80 of the urgent ones. A statistical model (Model) reads what they miss:
// two logistic regressions over a letter's words, their five-letter stems,
// stems after a negation, pairs of neighbouring stems and the subject's
// stems (see features), one for urgency and one for leak against access
// loss. It is trained by Train, measured by CrossValidate, and embedded in
// the binary (model.gz, DefaultModel); "ticketd triage learn" retrains it
// from the labelled letters of package labelled and the operators'
// priority corrections, and [rules] model points the daemon at the file it
// writes.
//
// The decision (Rules.Explain tells which part made it):
//
//   - a rule's phrase makes a letter urgent, with the rule's reason, unless
//     the model's probability is below the cut's Overrule and the letter is
//     long enough for the probability to mean something (minFeatures);
//   - where no rule fires, the model makes a letter urgent from the cut's
//     Threshold, with the leak classifier's reason; where the rules found
//     their phrases and cancelled each (a negation, a listed harmless use,
//     a resolution), from the cut's Cancelled threshold, never the lower.
//
// The cut is chosen by ten-fold cross-validation on the labelled letters
// (ChooseCut): the highest recall at a precision of at least 0.95. Rules
// first because, measured on the same letters, the rules alone had
// precision 0.90 and recall 0.76, the model alone precision 0.97 and
// recall 0.97, and the two together precision 0.96 and recall 0.99: the
// model finds most of what the rules miss, and overruling the rules' least
// likely phrases removed about half of their false alarms. Recall is what
// the cut is chosen for, because a citizen locked out who waits 24 hours
// instead of 12 costs more than an operator opening a letter early.
//
// # Transliteration
//
// A letter written in Latin letters whose words are mostly transliterated
// Russian («ne mogu voiti v lichnyi kabinet») is spelled back in Cyrillic
// before the rules see it, and its language is "ru". The full name is taken
// from the text as written.
//
// # Category
//
// Each category has weighted keywords; a keyword found in the subject counts
// category.subject_weight times, one found in the text once, and the highest
// total wins (ties go to the earlier category in category.order). With no
// keyword at all the letter is CategoryOther. A letter with a priority reason
// takes the category the rules name for that reason: by default access loss is
// CategoryTechnicalError and a data leak CategoryComplaint.
//
// # Personal data
//
// Identifiers are checked, not merely matched: a SNILS must pass the Pension
// Fund checksum (ValidSNILS), an INN its check digits (ValidINN), a passport
// must have a 4-digit series and a 6-digit number that are not all zeros, a
// phone must be a Russian number (+7 or 8 and ten digits starting with 3, 4, 8
// or 9). An INN, and a SNILS written as eleven bare digits, count only after
// their label («ИНН», «СНИЛС»), because ten or eleven digits alone are as
// likely to be an account or a phone number. Extract reads at most the first
// 64 KiB of the text and 4 KiB of the subject. FindPersonalData reports where
// in a text each identifier stands, so that package redact can mask it.
package triage
