package triage

// ValidSNILS reports whether digits is a valid SNILS: exactly eleven ASCII
// digits (separators already removed) whose last two digits are the Pension
// Fund checksum of the first nine.
//
// The checksum is the sum of the first nine digits weighted 9 down to 1. A sum
// under 100 is the checksum itself; 100 and 101 give 00; a larger sum is
// taken modulo 101 and a remainder of 100 again gives 00. Numbers up to
// 001-001-998 were issued before the checksum existed, so any check digits
// are accepted for them.
func ValidSNILS(digits string) bool {
	if len(digits) != 11 || !allDigits(digits) {
		return false
	}
	number, sum := 0, 0
	for i := range 9 {
		d := int(digits[i] - '0')
		number = number*10 + d
		sum += d * (9 - i)
	}
	if number <= 1001998 {
		return true
	}
	check := sum
	if check > 101 {
		check %= 101
	}
	if check == 100 || check == 101 {
		check = 0
	}
	return check == int(digits[9]-'0')*10+int(digits[10]-'0')
}

// ValidINN reports whether digits is a valid INN: ten ASCII digits (an
// organisation) or twelve (a person) with correct check digits. Each check
// digit is the weighted sum of the digits before it, modulo 11, modulo 10.
func ValidINN(digits string) bool {
	if !allDigits(digits) {
		return false
	}
	switch len(digits) {
	case 10:
		return innCheck(digits[:9], 2, 4, 10, 3, 5, 9, 4, 6, 8) == digits[9]
	case 12:
		return innCheck(digits[:10], 7, 2, 4, 10, 3, 5, 9, 4, 6, 8) == digits[10] &&
			innCheck(digits[:11], 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8) == digits[11]
	}
	return false
}

// innCheck returns the check digit of the given digits under weights.
func innCheck(digits string, weights ...int) byte {
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]-'0') * w
	}
	return byte(sum%11%10) + '0'
}

// validPassport reports whether a Russian internal passport series (four
// digits: region code and year of the blank) and number (six digits) are
// plausible. Passports carry no checksum, so only the impossible all-zero
// region and number are refused.
func validPassport(series, number string) bool {
	return len(series) == 4 && len(number) == 6 && allDigits(series) && allDigits(number) &&
		series[:2] != "00" && number != "000000"
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// digitsOf returns the ASCII digits of s, in order.
func digitsOf(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}
