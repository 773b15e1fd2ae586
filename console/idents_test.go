package console

import (
	"reflect"
	"strings"
	"testing"
)

func TestIdentParts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []textPart
	}{
		{"", nil},
		{"ack to oleg@example.ru", []textPart{{"ack to ", false}, {"oleg@example.ru", true}}},
		{"6e4e72529586c3f55038db9ba399ca40@ticketd.test to oleg.k@example.ru",
			[]textPart{{"6e4e72529586c3f55038db9ba399ca40@ticketd.test", true}, {" to ", false}, {"oleg.k@example.ru", true}}},
		{"звонил, просит  срочно", []textPart{{"звонил, просит  срочно", false}}},
		{"hash 0123456789abcdef0123 ", []textPart{{"hash ", false}, {"0123456789abcdef0123", true}, {" ", false}}},
		{"мультиязычно-многострочный", []textPart{{"мультиязычно-многострочный", true}}}, // long enough to be cut rather than broken
		{"  ", []textPart{{"  ", false}}},
	} {
		got := identParts(tc.in)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("identParts(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		var b strings.Builder
		for _, p := range got {
			b.WriteString(p.Text)
		}
		if b.String() != tc.in {
			t.Errorf("identParts(%q) joined = %q, want it back", tc.in, b.String())
		}
	}
}
