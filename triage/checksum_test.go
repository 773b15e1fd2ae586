package triage

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// snilsWithChecksum appends to nine digits the checksum the Pension Fund
// rules give them, computed here independently of ValidSNILS.
func snilsWithChecksum(nine string) string {
	sum := 0
	for i, weight := 0, 9; i < 9; i, weight = i+1, weight-1 {
		sum += int(nine[i]-'0') * weight
	}
	var check int
	switch {
	case sum < 100:
		check = sum
	case sum == 100 || sum == 101:
		check = 0
	default:
		check = sum % 101
		if check == 100 {
			check = 0
		}
	}
	return fmt.Sprintf("%s%02d", nine, check)
}

// innWithChecksum appends the check digits of an INN, computed here
// independently of ValidINN: one to nine digits (an organisation), two to ten
// (a person).
func innWithChecksum(prefix string) string {
	check := func(digits string, weights ...int) string {
		sum := 0
		for i, w := range weights {
			sum += int(digits[i]-'0') * w
		}
		return fmt.Sprint(sum % 11 % 10)
	}
	if len(prefix) == 9 {
		return prefix + check(prefix, 2, 4, 10, 3, 5, 9, 4, 6, 8)
	}
	d := prefix + check(prefix, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
	return d + check(d, 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
}

// flipLast returns digits with its last digit changed.
func flipLast(digits string) string {
	last := digits[len(digits)-1]
	return digits[:len(digits)-1] + string('0'+(last-'0'+1)%10)
}

func TestValidSNILS(t *testing.T) {
	tests := []struct {
		name   string
		digits string
		want   bool
	}{
		{"checksum under 100", snilsWithChecksum("112233445"), true},
		{"Pension Fund example 112-233-445 95", "11223344595", true},
		{"wrong checksum", "11223344596", false},
		{"number up to 001-001-998 is not checked", "00100199800", true},
		{"first checked number", "00100199900", false},
		{"first checked number with its checksum", snilsWithChecksum("001001999"), true},
		{"ten digits", "1122334459", false},
		{"twelve digits", "112233445950", false},
		{"separators are not removed", "112-233-445 95", false},
		{"letters", "11223344a95", false},
		{"empty", "", false},
		{"non-ASCII digits", "١١٢٢٣٣٤٤٥٩٥", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidSNILS(tt.digits); got != tt.want {
				t.Errorf("ValidSNILS(%q) = %v, want %v", tt.digits, got, tt.want)
			}
		})
	}
}

// TestValidSNILSSumRules covers each branch of the checksum with numbers
// found by searching, so every case is computed, not copied.
func TestValidSNILSSumRules(t *testing.T) {
	found := map[string]string{}
	for n := 1002000; len(found) < 4 && n < 999999999; n += 7919 {
		nine := fmt.Sprintf("%09d", n)
		sum := 0
		for i := range 9 {
			sum += int(nine[i]-'0') * (9 - i)
		}
		var branch string
		switch {
		case sum < 100:
			branch = "sum below 100"
		case sum == 100 || sum == 101:
			branch = "sum 100 or 101"
		case sum%101 == 100:
			branch = "remainder 100"
		default:
			branch = "remainder"
		}
		if _, ok := found[branch]; !ok {
			found[branch] = nine
		}
	}
	for branch, nine := range found {
		valid := snilsWithChecksum(nine)
		if !ValidSNILS(valid) {
			t.Errorf("%s: ValidSNILS(%q) = false, want true", branch, valid)
		}
		if invalid := flipLast(valid); ValidSNILS(invalid) {
			t.Errorf("%s: ValidSNILS(%q) = true, want false", branch, invalid)
		}
	}
	if len(found) < 3 {
		t.Errorf("searched branches %v, want at least three", found)
	}
}

func TestValidINN(t *testing.T) {
	tests := []struct {
		name   string
		digits string
		want   bool
	}{
		{"organisation, published INN of Sberbank", "7707083893", true},
		{"organisation, computed", innWithChecksum("500100732"), true},
		{"organisation, wrong check digit", flipLast(innWithChecksum("500100732")), false},
		{"person, computed", innWithChecksum("5001007322"), true},
		{"person, wrong last digit", flipLast(innWithChecksum("5001007322")), false},
		{"person, wrong eleventh digit", func() string {
			s := innWithChecksum("5001007322")
			return flipLast(s[:11]) + s[11:]
		}(), false},
		{"eleven digits", "77070838931", false},
		{"nine digits", "770708389", false},
		{"with spaces", "7707 083893", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidINN(tt.digits); got != tt.want {
				t.Errorf("ValidINN(%q) = %v, want %v", tt.digits, got, tt.want)
			}
		})
	}
}

// TestValidINNRandom checks ValidINN against the independent computation on
// random numbers: the right check digits pass, any other do not.
func TestValidINNRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		for _, n := range []int{9, 10} {
			prefix := ""
			for range n {
				prefix += fmt.Sprint(rng.IntN(10))
			}
			inn := innWithChecksum(prefix)
			if !ValidINN(inn) {
				t.Fatalf("ValidINN(%q) = false, want true", inn)
			}
			if bad := flipLast(inn); ValidINN(bad) {
				t.Fatalf("ValidINN(%q) = true, want false", bad)
			}
		}
		nine := fmt.Sprintf("%09d", 1002000+rng.IntN(998997999))
		snils := snilsWithChecksum(nine)
		if !ValidSNILS(snils) {
			t.Fatalf("ValidSNILS(%q) = false, want true", snils)
		}
		if bad := flipLast(snils); ValidSNILS(bad) {
			t.Fatalf("ValidSNILS(%q) = true, want false", bad)
		}
	}
}

func TestValidPassport(t *testing.T) {
	tests := []struct {
		series, number string
		want           bool
	}{
		{"4506", "123456", true},
		{"0112", "000001", true},
		{"0012", "123456", false}, // no region 00
		{"4506", "000000", false},
		{"450", "123456", false},
		{"4506", "12345", false},
		{"45a6", "123456", false},
	}
	for _, tt := range tests {
		if got := validPassport(tt.series, tt.number); got != tt.want {
			t.Errorf("validPassport(%q, %q) = %v, want %v", tt.series, tt.number, got, tt.want)
		}
	}
}
