package triage

import (
	"slices"
	"testing"
)

func TestMissing(t *testing.T) {
	const described = "Не могу войти в личный кабинет с утра"
	tests := []struct {
		name        string
		f           Fields
		description string
		screenshots int
		want        []string
	}{
		{"complete", Fields{AccountNumber: "123"}, described, 0, nil},
		{"no account number", Fields{}, described, 0, []string{MissingAccountNumber}},
		{"description too short", Fields{AccountNumber: "123"}, "  не работает  ", 0, []string{MissingDescription}},
		{"technical error without a screenshot", Fields{AccountNumber: "123", Category: CategoryTechnicalError}, described, 0,
			[]string{MissingScreenshot}},
		{"technical error with a screenshot", Fields{AccountNumber: "123", Category: CategoryTechnicalError}, described, 1, nil},
		{"another category needs no screenshot", Fields{AccountNumber: "123", Category: CategoryServiceQuestion}, described, 0, nil},
		{"nothing", Fields{Category: CategoryTechnicalError}, "", 0,
			[]string{MissingAccountNumber, MissingDescription, MissingScreenshot}},
	}
	for _, tt := range tests {
		if got := Missing(tt.f, tt.description, tt.screenshots); !slices.Equal(got, tt.want) {
			t.Errorf("Missing(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
