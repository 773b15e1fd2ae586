package triage

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultRulesCompile(t *testing.T) {
	r, err := ParseRules(nil)
	if err != nil {
		t.Fatalf("ParseRules(nil) = %v, want the embedded rules", err)
	}
	if len(r.priority.reasons) != 2 || r.priority.reasons[0].reason != ReasonDataLeak {
		t.Errorf("default precedence = %v, want data_leak first", r.priority.reasons)
	}
	if len(r.category.categories) != 6 {
		t.Errorf("default categories = %d, want 6", len(r.category.categories))
	}
	if DefaultRules() != DefaultRules() {
		t.Errorf("DefaultRules() compiled twice, want one shared value")
	}
}

// TestLoadRulesOverrides checks that a file replaces the keys it has and
// keeps the rest of the defaults.
func TestLoadRulesOverrides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "triage.toml")
	const override = `
[account]
patterns = ['''договор\s*№?\s*(?P<number>\d+(?:-\d+)*)''']

[priority.access_loss]
category = "other"
`
	if err := os.WriteFile(path, []byte(override), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := LoadRules(path)
	if err != nil {
		t.Fatalf("LoadRules(%q) = %v", path, err)
	}
	tests := []struct {
		text string
		want Fields
	}{
		{"Договор № 77-123, не могу войти.", Fields{AccountNumber: "77-123", Category: CategoryOther, Priority: PriorityHigh, PriorityReason: ReasonAccessLoss}},
		{"ЛК 123456, статус заявления?", Fields{AccountNumber: "", Category: CategoryStatusRequest, Priority: PriorityNormal}},
		{"Утечка данных!", Fields{Category: CategoryComplaint, Priority: PriorityHigh, PriorityReason: ReasonDataLeak}},
	}
	for _, tt := range tests {
		got := r.Extract("", tt.text)
		if got.AccountNumber != tt.want.AccountNumber || got.Category != tt.want.Category ||
			got.Priority != tt.want.Priority || got.PriorityReason != tt.want.PriorityReason {
			t.Errorf("Extract(%q) = %q %s %s %q, want %q %s %s %q", tt.text,
				got.AccountNumber, got.Category, got.Priority, got.PriorityReason,
				tt.want.AccountNumber, tt.want.Category, tt.want.Priority, tt.want.PriorityReason)
		}
	}
	// The default rules are untouched.
	if got := DefaultRules().Extract("", "ЛК 123456").AccountNumber; got != "123456" {
		t.Errorf("DefaultRules().Extract(ЛК 123456).AccountNumber = %q after LoadRules, want 123456", got)
	}
}

// TestParseRulesErrors checks that each kind of mistake is refused with the
// key that holds it.
func TestParseRulesErrors(t *testing.T) {
	tests := []struct {
		name, toml, wantKey string
	}{
		{"bad regexp", "[account]\npatterns = ['(?P<number>\\d+']", "account.patterns[0]"},
		{"no number submatch", "[application]\npatterns = ['заявка (\\d+)']", "application.patterns[0]"},
		{"digit limits", "[account]\nmin_digits = 5\nmax_digits = 4", "account"},
		{"unknown key", "[account]\npaterns = ['x']", "account.paterns"},
		{"unknown section", "[priorty]\nprecedence = []", "priorty"},
		{"wrong type", "[account]\nmin_digits = 'four'", "account.min_digits"},
		{"unknown reason", "[priority]\nprecedence = ['data_leak', 'spam']", "priority.precedence[1]"},
		{"reason twice", "[priority]\nprecedence = ['data_leak', 'data_leak']", "priority.precedence[1]"},
		{"unknown category of a reason", "[priority.data_leak]\ncategory = 'urgent'", "priority.data_leak.category"},
		{"bad trigger", "[priority.access_loss]\ntriggers = ['ok', '(']", "priority.access_loss.triggers[1]"},
		{"unknown macro", "[priority.data_leak]\ntriggers = ['(?&nothing)']", "priority.data_leak.triggers[0]"},
		{"recursive macro", "[macros]\nloop = '(?&loop)'", "macros.loop"},
		{"bad macro name", "[priority.data_leak]\ntriggers = ['(?&Loop)']", "priority.data_leak.triggers[0]"},
		{"bad negation word", "[priority.negation]\nnear = ['не', '[']", "priority.negation.near[1]"},
		{"negation window", "[priority.negation]\nfar_window = 100", "priority.negation"},
		{"bad skip word", "[priority.negation]\nskip = ['(']", "priority.negation.skip[0]"},
		{"unknown category", "[category]\norder = ['status_request', 'spam']", "category.order[1]"},
		{"category left out of order", "[category]\norder = ['status_request']", "category.order"},
		{"zero weight", "[category.other]\nkeywords = [{ weight = 0, pattern = 'x' }]", "category.other.keywords[0].weight"},
		{"bad keyword", "[category.other]\nkeywords = [{ weight = 1, pattern = '(' }]", "category.other.keywords[0].pattern"},
		{"bad name label", "[full_name]\nlabels = ['фио', '(']", "full_name.labels[1]"},
		{"not TOML", "[account", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules([]byte(tt.toml))
			if err == nil {
				t.Fatalf("ParseRules(%q) = nil error, want one naming %q", tt.toml, tt.wantKey)
			}
			if !errors.Is(err, ErrRules) {
				t.Errorf("ParseRules(%q) = %v, want it to wrap ErrRules", tt.toml, err)
			}
			if !strings.Contains(err.Error(), tt.wantKey) {
				t.Errorf("ParseRules(%q) = %v, want it to name %q", tt.toml, err, tt.wantKey)
			}
		})
	}
}

func TestLoadRulesNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(path, []byte("[account]\npatterns = ['(']\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadRules(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "account.patterns[0]") {
		t.Errorf("LoadRules(%q) = %v, want an error naming the file and account.patterns[0]", path, err)
	}
	missing := filepath.Join(t.TempDir(), "missing.toml")
	if _, err := LoadRules(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadRules(%q) = %v, want os.ErrNotExist", missing, err)
	}
}
