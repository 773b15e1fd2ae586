package replies

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
		{"Re: [[TKT-000123]]", "TKT-000123"},
		{"Re: [TKT-0001234567890]", ""},
		{"Re: TKT-000000", ""},
		{"Re: TKT-000000 [TKT-000007]", "TKT-000007"},
		{"BTKT-000123", ""},
		{"ЖTKT-000123", ""},
		{"Вопрос про заявку", ""},
		{"TKT-12a", ""},
	}
	for _, tt := range tests {
		if got := TagOf(tt.subject); got != tt.want {
			t.Errorf("TagOf(%q) = %q, want %q", tt.subject, got, tt.want)
		}
	}
}

func TestStripTags(t *testing.T) {
	tests := []struct{ subject, want string }{
		{"[TKT-000123] Не могу войти", "Не могу войти"},
		{"Re: [TKT-000123] Не могу войти", "Re: Не могу войти"},
		{"Вопрос по [TKT-000123] и (tkt-7)", "Вопрос по и"},
		{"RE: TKT 000123 вопрос", "RE: вопрос"},
		{"[TKT-000123", ""},
		{"[TKT-000123]", ""},
		{"Заявка TKT-12a", "Заявка TKT-12a"},
		{"Заявка № 123", "Заявка № 123"},
		{"BTKT-000123", "BTKT-000123"},
		{"Re: [TKT-0001234567890]", "Re: [TKT-0001234567890]"},
	}
	for _, tt := range tests {
		if got := StripTags(tt.subject); got != tt.want {
			t.Errorf("StripTags(%q) = %q, want %q", tt.subject, got, tt.want)
		}
	}
}

func TestOwnTagOnly(t *testing.T) {
	tests := []struct{ subject, number, want string }{
		{"[TKT-000005] Обращение зарегистрировано: Re: [TKT-000123] вопрос", "TKT-000005", "[TKT-000005] Обращение зарегистрировано: Re: вопрос"},
		{"[TKT-000005] Письмо добавлено: Re: [TKT-000005] вопрос", "TKT-000005", "[TKT-000005] Письмо добавлено: Re: вопрос"},
		{"[TKT-000005] Ответ", "TKT-000005", "[TKT-000005] Ответ"},
		{"Ответ без номера", "TKT-000005", "Ответ без номера"},
		{"[TKT-000123] Чужой номер", "TKT-000005", "Чужой номер"},
		{"[TKT-000123] Любой номер", "", "Любой номер"},
	}
	for _, tt := range tests {
		if got := OwnTagOnly(tt.subject, tt.number); got != tt.want {
			t.Errorf("OwnTagOnly(%q, %s) = %q, want %q", tt.subject, tt.number, got, tt.want)
		}
	}
}

// FuzzStripTags checks that StripTags leaves no ticket's tag and makes
// nothing up, and that OwnTagOnly leaves at most one tag, the ticket's own.
func FuzzStripTags(f *testing.F) {
	for _, s := range []string{"Re: [TKT-000123] Не могу войти", "TKT[TKT-1]-5", "[[TKT-1]] (tkt 2) TKT—3", "TKT-12a TKT-0001234567890", "Тема"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := StripTags(s)
		if TagOf(got) != "" || len(got) > len(s) {
			t.Fatalf("StripTags(%q) = %q", s, got)
		}
		own := OwnTagOnly("[TKT-000005] "+s, "TKT-000005")
		if ts := tags(own); len(ts) != 1 || ts[0].number != "TKT-000005" {
			t.Fatalf("OwnTagOnly(%q) = %q, want the ticket's tag once and no other", s, own)
		}
	})
}
