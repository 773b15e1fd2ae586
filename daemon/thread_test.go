package daemon

import "testing"

func TestTagOf(t *testing.T) {
	tests := []struct{ subject, want string }{
		{"[TKT-000123] Обращение зарегистрировано", "TKT-000123"},
		{"Re: [TKT-000123] Обращение зарегистрировано", "TKT-000123"},
		{"Отв: Re: Fwd: [TKT-000123] ...", "TKT-000123"},
		{"Пересл: [tkt-000123]", "TKT-000123"},
		{"RE: TKT 000123 вопрос", "TKT-000123"},
		{"Re: (TKT-123)", "TKT-000123"},
		{"Re: [TKT-000123 Обращение", "TKT-000123"},
		{"Re: [TKT-0001234567890]", ""},
		{"Re: TKT-000000", ""},
		{"BTKT-000123", ""},
		{"Вопрос про заявку", ""},
		{"TKT-12a", ""},
	}
	for _, tt := range tests {
		if got := tagOf(tt.subject); got != tt.want {
			t.Errorf("tagOf(%q) = %q, want %q", tt.subject, got, tt.want)
		}
	}
}
